package dev.mailcheck.aws;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mailcheck.api.Api;
import dev.mailcheck.api.JobQueue;
import dev.mailcheck.store.ResultStore;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Lambda entry point for the HTTP API (API Gateway HTTP API, payload format 2.0). The resolver and
 * its cache live as long as the execution environment, so repeated domains answer from memory.
 */
@Named("api")
@Singleton
public final class ApiHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** How long a DELETE erases before the chunk queue carries on: inside the 29 s API Gateway waits, with room. */
    static final Duration ERASE_FOR = Duration.ofSeconds(15);

    private final Api api;

    public ApiHandler() {
        this(Functions.environment());
    }

    private ApiHandler(Functions f) {
        // The store and the job queue (their SDK clients) come with the first request that uses them.
        this(new Api(f.checker, f.smtpChecker(), Functions.lazy(ResultStore.class, () -> f.aws().store()),
                f.config.uploadBucket() == null ? null : Functions.lazy(JobQueue.class, () -> new S3Jobs(f.aws().s3(),
                        f.config.uploadBucket(), f.aws().store(), f.smtpJobs == null ? null : f.smtpLedger(), f.erasure(),
                        ERASE_FOR)),
                f.config.corsOrigins(), f.config.publicSmtp()));
    }

    /** Around an API already built (tests: one whose store has a defect). */
    ApiHandler(Api api) {
        this.api = api;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        Map<String, String> headers = new HashMap<>();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        }
        String body = event.getBody();
        if (body != null && event.getIsBase64Encoded()) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        Api.Response r = api.handle(new Api.Request(event.getRequestContext().getHttp().getMethod(), event.getRawPath(),
                event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters(), headers, body));
        // API Gateway passes bytes (the gzipped widget) only as base64.
        return APIGatewayV2HTTPResponse.builder().withStatusCode(r.status()).withHeaders(r.headers())
                .withBody(r.binary() == null ? r.body() : Base64.getEncoder().encodeToString(r.binary()))
                .withIsBase64Encoded(r.binary() != null).build();
    }
}
