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

    /** The SDK clients and what stands on them. */
    record Services(S3Client s3, ResultStore store, JobEvents events) {
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
            aws = new Services(Aws.s3(), new DynamoResultStore(Aws.dynamo(), config.table(), config.retention()),
                    config.eventBus() == null ? JobEvents.NONE : new EventBridgeEvents(Aws.events(), config.eventBus(),
                            config.uploadBucket()));
        }
        return aws;
    }

    /** The checker for {@code smtp=true}, or null where the probe is off. */
    Checker smtpChecker() {
        return config.smtp() == null ? null : Api.smtpChecker(dns, config.smtp(), config.pacing(), security);
    }

    UploadProcessor uploads() {
        SqsClient sqs = config.chunkQueue() == null ? null : Aws.sqs();
        return new UploadProcessor(config, checker, aws().s3(), sqs, aws().store(), aws().events());
    }

    /** Erasures of ended jobs, carried on from the chunk queue. */
    Erasure erasure() {
        return new Erasure(aws().s3(), config.uploadBucket(), aws().store(), Aws::sqs, config.chunkQueue());
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
