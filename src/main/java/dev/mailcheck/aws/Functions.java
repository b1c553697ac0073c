package dev.mailcheck.aws;

import dev.mailcheck.api.Api;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.jobs.JobEvents;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.pipeline.Checker;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * What the handlers share for the life of an execution environment: one resolver (its cache makes
 * repeated domains free across invocations), the SDK clients and the store, built from the
 * environment on first use.
 */
final class Functions {

    private static Functions environment;

    final AwsConfig config;
    final Checker checker;
    final S3Client s3;
    final ResultStore store;
    final JobEvents events;
    private final MxResolver dns;
    private final TransportSecurityLookup security;

    private Functions(AwsConfig config) {
        this.config = config;
        // No test-bed switch here: a deployed function never takes a private MX host for a mail host.
        this.dns = new MxResolver(config.dnsServers(), config.dnsTimeout(), MxResolver.DEFAULT_MAX_IN_FLIGHT, false);
        this.security = new TransportSecurityLookup(config.dnsServers(), config.dnsTimeout(),
                MxResolver.DEFAULT_MAX_IN_FLIGHT, config.dnsValidates());
        this.checker = new Checker(dns, null, security);
        this.s3 = Aws.s3();
        this.store = new DynamoResultStore(Aws.dynamo(), config.table(), config.retention());
        this.events = config.eventBus() == null ? JobEvents.NONE : new EventBridgeEvents(Aws.events(), config.eventBus());
    }

    static synchronized Functions environment() {
        if (environment == null) {
            environment = new Functions(AwsConfig.fromEnv());
        }
        return environment;
    }

    /** The checker for {@code smtp=true}, or null where the probe is off. */
    Checker smtpChecker() {
        return config.smtp() == null ? null : Api.smtpChecker(dns, config.smtp(), security);
    }

    UploadProcessor uploads() {
        SqsClient sqs = config.chunkQueue() == null ? null : Aws.sqs();
        return new UploadProcessor(config, checker, s3, sqs, store, events);
    }

    /** The workflow of the chunk and failure functions: checks chunks and ends jobs, splits nothing. */
    JobWorkflow chunks() {
        return JobWorkflow.chunkWorker(checker, store, events, new S3JobFiles(s3));
    }
}
