package dev.mailcheck.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.crac.Context;
import org.crac.Resource;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Primes the SDK clients a function built in INIT before SnapStart takes its snapshot: one read-only request
 * per client (a missing S3 object, a missing DynamoDB item, the chunk queue's attributes, the event bus's
 * description), so class loading, marshalling, signing, error parsing and the HTTP client are in the snapshot
 * instead of in every restored environment's first event. Nothing is written: a request the function's role
 * may not make fails with AccessDenied, which primes the same path. Every priming request asks the server to
 * close its connection, so no socket survives into the snapshot for restored environments to share; each one
 * opens its own on its first real call. An endpoint that doesn't answer costs at most {@link #BUDGET} for all
 * the requests, and the snapshot goes on unprimed. Then, in this process only, each client's service is rehearsed
 * ({@link Rehearsal}: every operation the functions call, writes included, on an HTTP client that never opens a
 * socket), and whatever {@link #rehearsing} adds (the first event's work that needs no network, {@link FirstEvent}).
 */
final class SdkPriming implements Resource {

    private static final Logger LOG = Logger.getLogger(SdkPriming.class.getName());

    /** A key no function writes: reading it finds nothing (404, or 403 where the role may not read it). */
    static final String MISSING_KEY = UploadProcessor.UPLOADS + ".checker-priming";
    /** A DynamoDB key no record has: job and result keys start with JOB# and RESULT#. */
    static final String MISSING_ITEM = "PRIMING";
    /** For all the requests together: Lambda gives INIT 10 s in all, and an endpoint that hangs must not use them. */
    static final Duration BUDGET = Duration.ofSeconds(3);

    private final Map<String, Consumer<Duration>> requests;
    /** The services whose operations {@link Rehearsal} rehearses, by name. */
    private final Map<String, Runnable> rehearsals;

    private SdkPriming(Map<String, Consumer<Duration>> requests, Map<String, Runnable> rehearsals) {
        this.requests = requests;
        this.rehearsals = rehearsals;
    }

    /**
     * @param s3 null where the function built none (as for each client); a missing name skips its client
     */
    static SdkPriming of(AwsConfig config, S3Client s3, DynamoDbClient dynamo, SqsClient sqs, EventBridgeClient bus) {
        Map<String, Consumer<Duration>> requests = new LinkedHashMap<>();
        if (s3 != null && config.uploadBucket() != null) {
            requests.put("s3", left -> s3.getObjectAsBytes(b -> b.bucket(config.uploadBucket()).key(MISSING_KEY)
                    .overrideConfiguration(o -> closing(o, left))));
        }
        if (dynamo != null && config.table() != null) {
            requests.put("dynamodb", left -> dynamo.getItem(b -> b.tableName(config.table()).consistentRead(true)
                    .key(Map.of("pk", AttributeValue.fromS(MISSING_ITEM), "sk", AttributeValue.fromS(MISSING_ITEM)))
                    .overrideConfiguration(o -> closing(o, left))));
        }
        if (sqs != null && config.chunkQueue() != null) {
            requests.put("sqs", left -> sqs.getQueueAttributes(b -> b.queueUrl(config.chunkQueue())
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)
                    .overrideConfiguration(o -> closing(o, left))));
        }
        if (bus != null && config.eventBus() != null) {
            requests.put("events", left -> bus.describeEventBus(b -> b.name(config.eventBus())
                    .overrideConfiguration(o -> closing(o, left))));
        }
        // Each client's service rehearsed: its writes too, which the read above cannot prime.
        Map<String, Runnable> rehearsals = new LinkedHashMap<>();
        if (s3 != null) {
            rehearsals.put("s3", Rehearsal::s3);
        }
        if (dynamo != null) {
            rehearsals.put("dynamodb", Rehearsal::dynamo);
        }
        if (sqs != null) {
            rehearsals.put("sqs", Rehearsal::sqs);
        }
        if (bus != null) {
            rehearsals.put("events", Rehearsal::events);
        }
        return new SdkPriming(requests, rehearsals);
    }

    // The JDK keeps HTTP/1.1 connections for reuse unless the exchange says "Connection: close".
    private static void closing(AwsRequestOverrideConfiguration.Builder o, Duration left) {
        o.putHeader("Connection", "close").apiCallTimeout(left);
    }

    /** This priming, then {@code rehearsal} (named {@code name} in the log): more work in this process only. */
    SdkPriming rehearsing(String name, Runnable rehearsal) {
        Map<String, Runnable> more = new LinkedHashMap<>(rehearsals);
        more.put(name, rehearsal);
        return new SdkPriming(requests, more);
    }

    /** @return the clients primed, each with how its request ended */
    List<String> prime() {
        List<String> done = new ArrayList<>();
        long deadline = System.nanoTime() + BUDGET.toNanos();
        requests.forEach((client, request) -> {
            long start = System.nanoTime();
            if (start >= deadline) {
                done.add(client + " skipped: out of time");
                return;
            }
            String outcome;
            try {
                request.accept(Duration.ofNanos(deadline - start));
                outcome = "ok";
            } catch (AwsServiceException e) {
                // Answered, if only with a refusal: primed all the same.
                outcome = e.statusCode() + (e.awsErrorDetails().errorCode() == null ? "" : " " + e.awsErrorDetails().errorCode());
            } catch (SdkException e) {
                // Not answered (no endpoint, a timeout): the first event pays what this would have saved.
                LOG.log(Level.WARNING, "priming " + client + " got no answer", e);
                outcome = "no answer";
            }
            done.add(client + " " + outcome + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        });
        // In this process only: they cannot hang, so the budget does not stop them.
        rehearsals.forEach((service, rehearsal) -> {
            long start = System.nanoTime();
            String outcome;
            try {
                rehearsal.run();
                outcome = "rehearsed";
            } catch (RuntimeException e) {
                // A defect here must not cost the snapshot: the first event pays what this would have saved.
                LOG.log(Level.WARNING, "rehearsing " + service + " failed", e);
                outcome = "rehearsal failed";
            }
            done.add(service + " " + outcome + " in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        });
        return done;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        LOG.info("primed before the snapshot: " + String.join(", ", prime()));
    }

    /** Nothing to renew: priming kept no connection open, and each client dials afresh on its first call. */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
    }
}
