package dev.mailcheck.aws;

import io.quarkus.arc.Arc;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Set;
import org.crac.Core;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Lambda's INIT phase. Quarkus starts there (quarkus.snapstart.full-warmup), and so does this function's
 * handler (QUARKUS_LAMBDA_HANDLER) with its configuration, resolver and, except for the API, SDK clients,
 * instead of in the first event; the handlers are singletons, so the first event finds that one. With
 * SnapStart the snapshot holds all of it; a start without a snapshot pays the same, in INIT instead of in
 * the event. Nothing built here opens a socket (the SDK clients connect on their first call, the resolver
 * on its first query), so each restored function opens its own, with source ports of its own. The job
 * handlers' SDK clients are primed just before the snapshot ({@link SdkPriming}); that closes what it opens.
 */
@Singleton
final class LambdaInit {

    /** The handlers whose SDK clients are built in INIT, and so are worth priming. */
    private static final Set<String> PRIMED = Set.of("s3", "sqs", "failures", "smtp");

    // The CRaC context holds its resources weakly: this keeps the hook alive until the snapshot.
    private SdkPriming priming;

    void start(@Observes StartupEvent event) {
        ConfigProvider.getConfig().getOptionalValue("quarkus.lambda.handler", String.class).ifPresent(name -> {
            Arc.container().instance(name).get();
            if (PRIMED.contains(name)) {
                priming = Functions.environment().priming(name);
                Core.getGlobalContext().register(priming);
            }
        });
    }
}
