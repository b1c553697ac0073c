package dev.mailcheck.aws;

import dev.mailcheck.api.Api;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.jobs.JobEvents;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.jobs.SmtpLedger;
import dev.mailcheck.jobs.SmtpQueue;
import dev.mailcheck.jobs.SmtpStage;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.smtp.BreakerState;
import dev.mailcheck.smtp.ProviderGroups;
import dev.mailcheck.smtp.RateBudget;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.verdict.CheckResult;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.BiConsumer;
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
    /** SMTP jobs, or null where they are off. */
    final AwsConfig.SmtpJobsConfig smtpJobs;
    final Checker checker;
    private final MxResolver dns;
    private final TransportSecurityLookup security;
    private Services aws;
    private SqsClient sqs;
    private SharedGuard shared;

    /** The SDK clients and what stands on them; bus is null where no event bus is set. */
    record Services(S3Client s3, DynamoDbClient dynamo, EventBridgeClient bus, ResultStore store, JobEvents events) {
    }

    private Functions(AwsConfig config, AwsConfig.SmtpJobsConfig smtpJobs, boolean allowPrivateMx) {
        this.config = config;
        this.smtpJobs = smtpJobs;
        // The template never sets SMTP_ALLOW_PRIVATE_MX: a deployed function never takes a private MX host for a
        // mail host. Test beds (scripts/local-aws with Postfix on loopback) do.
        this.dns = new MxResolver(config.dnsServers(), config.dnsTimeout(), MxResolver.DEFAULT_MAX_IN_FLIGHT,
                allowPrivateMx, config.dnsQps());
        this.security = new TransportSecurityLookup(config.dnsServers(), config.dnsTimeout(),
                MxResolver.DEFAULT_MAX_IN_FLIGHT, config.dnsValidates());
        this.checker = new Checker(dns).withSecurityLookup(security);
    }

    static synchronized Functions environment() {
        if (environment == null) {
            environment = new Functions(AwsConfig.fromEnv(), AwsConfig.smtpJobs(System.getenv()),
                    AwsConfig.allowPrivateMx(System.getenv()));
        }
        return environment;
    }

    synchronized Services aws() {
        if (aws == null) {
            DynamoDbClient dynamo = Aws.dynamo();
            EventBridgeClient bus = config.eventBus() == null ? null : Aws.events();
            aws = new Services(Aws.s3(), dynamo, bus,
                    new DynamoResultStore(dynamo, config.table(), config.retention(), SmtpCodes::link),
                    bus == null ? JobEvents.NONE : new EventBridgeEvents(bus, config.eventBus(), config.uploadBucket()));
        }
        return aws;
    }

    /** The checker for {@code smtp=true}, or null where the probe is off. */
    Checker smtpChecker() {
        return config.smtp() == null ? null : Api.smtpChecker(dns, config.smtp(), config.pacing(), security);
    }

    UploadProcessor uploads() {
        return new UploadProcessor(config, smtpJobs != null, checker, aws().s3(), sqs(), aws().store(), aws().events(),
                JobWorkflow.CHUNK_RECORDS);
    }

    /** The chunk queue's client, or null where there is no queue. */
    synchronized SqsClient sqs() {
        return config.chunkQueue() == null ? null : sqsClient();
    }

    /** One SQS client for every queue: each client built costs INIT time, and each is primed on its own. */
    private synchronized SqsClient sqsClient() {
        if (sqs == null) {
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

    /** {@link #priming()}, and for the chunk and SMTP functions the work of their first event that needs no network. */
    SdkPriming priming(String handler) {
        BiConsumer<Checker, ResultStore> first = switch (handler) {
            case "sqs" -> FirstEvent::chunk;
            case "smtp" -> FirstEvent::smtp;
            default -> null;
        };
        return first == null ? priming() : priming().rehearsing("first event", () -> {
            try (DynamoDbClient dynamo = Rehearsal.dynamoClient()) {
                first.accept(checker, new DynamoResultStore(dynamo, config.table(), config.retention(), SmtpCodes::link));
            }
        });
    }

    /** Erasures of ended jobs, carried on from the chunk queue. */
    Erasure erasure() {
        return new Erasure(aws().s3(), config.uploadBucket(), aws().store(), smtpJobs == null ? null : smtpLedger(),
                this::sqs, config.chunkQueue());
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
     * The SMTP stage of jobs (the chunk, SMTP and failure functions), on the chunks' workflow; where SMTP jobs
     * are off, one that only hands DNS-only chunks to the workflow (an SMTP chunk there fails, to be dead-lettered).
     */
    SmtpStage smtpStage() {
        SmtpLedger ledger = smtpLedger();
        SmtpQueue queue = smtpJobs == null ? new SmtpQueue() {
            @Override
            public void send(SmtpItem item, String salt) {
                throw new IllegalStateException("SMTP jobs are off here (SmtpEnabled=false, or no SMTP_QUEUE_URL)");
            }

            @Override
            public void later(SmtpItem item, Duration delay) {
                send(item, "");
            }
        } : new SqsSmtpQueue(sqsClient(), smtpJobs);
        Recheck recheck = new Recheck(Recheck.DEFAULT.tries(),
                smtpJobs == null ? Recheck.DEFAULT.window() : smtpJobs.recheckWindow());
        return new SmtpStage(chunks(), checker, aws().store(), new S3JobFiles(aws().s3(), config.uploadBucket()), ledger,
                queue, recheck,
                Functions::providerGroup);
    }

    /**
     * Who shares a reputation with an address's mail host: the provider group of its first MX host (the domain
     * itself when mail goes to its own address); a host in no known group is its own group.
     */
    static String providerGroup(CheckResult r) {
        return r.mx().isEmpty() ? r.domain() : ProviderGroups.bundled().of(r.mx().getFirst().host());
    }

    /**
     * A prober for one SMTP work item: no linger (a session ends when the item's addresses are answered, and no
     * session outlives its item), the stack's pacing, and the block breaker's state and the budgets in the table,
     * shared by every worker, so that one worker's ban stops them all; on to DATA's 354 for an item that asks
     * ({@code smtp_data}).
     */
    synchronized SmtpProber smtpProber(boolean data) {
        if (config.smtp() == null) {
            throw new IllegalStateException("SMTP work arrived where the probe is off (SMTP_ENABLED is not true)");
        }
        if (shared == null) {
            DynamoDbClient dynamo = aws().dynamo();
            shared = new SharedGuard(new DynamoBreakerState(dynamo, config.table()),
                    new DynamoRateBudget(dynamo, config.table()));
        }
        return new SmtpProber(config.smtp().withoutLinger().withData(data), config.pacing(), shared.breaker(), shared.budget(),
                InstantSource.system());
    }

    /** The block breaker's state and the pacing budgets every SMTP worker shares, in the table. */
    private record SharedGuard(BreakerState breaker, RateBudget budget) {
    }

    SmtpLedger smtpLedger() {
        return new DynamoSmtpLedger(aws().dynamo(), config.table(), config.retention());
    }

    /** The resolver of this environment, whose cache every handler shares. */
    MxResolver dns() {
        return dns;
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
