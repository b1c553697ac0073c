package dev.mailcheck.aws;

import dev.mailcheck.api.Api;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.jobs.JobEvents;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.ResultStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What the handlers share for the life of an execution environment: one resolver (its cache makes
 * repeated domains free across invocations), the SDK clients and the store, built from the
 * environment on first use (in Lambda's INIT: {@link LambdaInit}). The SDK clients come with the first
 * use of {@link #aws}: building S3's and DynamoDB's loads over a thousand classes, a few hundred
 * milliseconds of a cold start that an event making no AWS call (GET /v1/check) need not pay.
 */
final class Functions {

    private static Functions environment;

    final AwsConfig config;
    final Checker checker;
    private final MxResolver dns;
    private final TransportSecurityLookup security;
    private Services aws;
    private SqsClient sqs;

    /** The SDK clients and what stands on them; bus is null where no event bus is set. */
    record Services(S3Client s3, DynamoDbClient dynamo, EventBridgeClient bus, ResultStore store, JobEvents events) {
    }

    private Functions(AwsConfig config) {
        this.config = config;
        // No test-bed switch here: a deployed function never takes a private MX host for a mail host.
        this.dns = new MxResolver(config.dnsServers(), config.dnsTimeout(), MxResolver.DEFAULT_MAX_IN_FLIGHT, false,
                config.dnsQps());
        this.security = new TransportSecurityLookup(config.dnsServers(), config.dnsTimeout(),
                MxResolver.DEFAULT_MAX_IN_FLIGHT, config.dnsValidates());
        this.checker = new Checker(dns, null, security);
    }

    static synchronized Functions environment() {
        if (environment == null) {
            environment = new Functions(AwsConfig.fromEnv());
        }
        return environment;
    }

    synchronized Services aws() {
        if (aws == null) {
            DynamoDbClient dynamo = Aws.dynamo();
            EventBridgeClient bus = config.eventBus() == null ? null : Aws.events();
            aws = new Services(Aws.s3(), dynamo, bus, new DynamoResultStore(dynamo, config.table(), config.retention()),
                    bus == null ? JobEvents.NONE : new EventBridgeEvents(bus, config.eventBus(), config.uploadBucket()));
        }
        return aws;
    }

    /** The checker for {@code smtp=true}, or null where the probe is off. */
    Checker smtpChecker() {
        return config.smtp() == null ? null : Api.smtpChecker(dns, config.smtp(), config.pacing(), security);
    }

    UploadProcessor uploads() {
        return new UploadProcessor(config, checker, aws().s3(), sqs(), aws().store(), aws().events());
    }

    /** The chunk queue's client (one, for the handlers that split), or null where there is no queue. */
    synchronized SqsClient sqs() {
        if (sqs == null && config.chunkQueue() != null) {
            sqs = Aws.sqs();
        }
        return sqs;
    }

    /**
     * Priming for the SDK clients built so far (the handler's, in INIT): none for the API, whose clients
     * come with its first job request.
     */
    synchronized SdkPriming priming() {
        return aws == null ? SdkPriming.of(config, null, null, sqs, null)
                : SdkPriming.of(config, aws.s3(), aws.dynamo(), sqs, aws.bus());
    }

    /** The workflow of the chunk and failure functions: checks chunks and ends jobs, splits nothing. */
    JobWorkflow chunks() {
        return chunkWorker(checker, aws().store(), aws().events(), new S3JobFiles(aws().s3(), config.uploadBucket()));
    }

    /** A workflow that checks chunks and ends jobs, and splits nothing (the chunk and failure functions). */
    static JobWorkflow chunkWorker(Checker checker, ResultStore store, JobEvents events, S3JobFiles files) {
        return JobWorkflow.builder(JobWorkflow.Checkers.dnsOnly(checker), store).files(files).events(events).build();
    }

    /**
     * One of our own interfaces ({@code type}: the store, the job queue), built on its first call. The
     * API holds both from the start, and most of its requests use neither.
     */
    static <T> T lazy(Class<T> type, Supplier<T> build) {
        Supplier<T> once = new Supplier<>() {
            private T built;

            @Override
            public synchronized T get() {
                if (built == null) {
                    built = build.get();
                }
                return built;
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "lazy " + type.getSimpleName();
                };
            }
            try {
                return method.invoke(once.get(), args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }
}
