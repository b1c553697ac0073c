package dev.mailcheck.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Puts and deletes on one table in BatchWriteItems of at most {@link #BATCH}, each sent until DynamoDB has taken
 * every item of it. Its own class because the result store's parts and the SMTP ledger all write this way, and
 * DynamoDB's limit and how its UnprocessedItems are retried should be known in one place.
 */
final class BatchWrites {

    /** DynamoDB's limit for one BatchWriteItem. */
    static final int BATCH = 25;
    private static final int MAX_ATTEMPTS = 12;
    private static final Duration BACKOFF_BASE = Duration.ofMillis(50);
    private static final Duration BACKOFF_CAP = Duration.ofSeconds(5);

    private final DynamoDbClient dynamo;
    private final String table;

    BatchWrites(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Every request, a batch after another, in order. */
    void write(List<WriteRequest> requests) {
        for (int i = 0; i < requests.size(); i += BATCH) {
            batch(requests.subList(i, Math.min(i + BATCH, requests.size())));
        }
    }

    /** Deletes the items (of which only pk and sk are read), in batches as they come. */
    void delete(Iterable<Map<String, AttributeValue>> items) {
        List<WriteRequest> deletes = new ArrayList<>(BATCH);
        for (Map<String, AttributeValue> i : items) {
            deletes.add(WriteRequest.builder().deleteRequest(d -> d.key(Map.of("pk", i.get("pk"), "sk", i.get("sk")))).build());
            if (deletes.size() == BATCH) {
                batch(List.copyOf(deletes));
                deletes.clear();
            }
        }
        if (!deletes.isEmpty()) {
            batch(deletes);
        }
    }

    /**
     * One BatchWriteItem, then its UnprocessedItems again and again with exponential backoff and full
     * jitter (as AWS recommends) until none are left. Running out of attempts is an exception, never a
     * silent loss: the caller's invocation fails and is retried, and the keys make the retry idempotent.
     */
    private void batch(List<WriteRequest> batch) {
        List<WriteRequest> pending = batch;
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            if (attempt == MAX_ATTEMPTS) {
                throw new IllegalStateException(pending.size() + " results still unprocessed by DynamoDB after "
                        + MAX_ATTEMPTS + " attempts");
            }
            if (attempt > 0) {
                long cap = Math.min(BACKOFF_CAP.toMillis(), BACKOFF_BASE.toMillis() << Math.min(attempt, 16));
                sleep(ThreadLocalRandom.current().nextLong(cap + 1));
            }
            List<WriteRequest> requests = pending;
            BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(Map.of(table, requests)));
            pending = response.hasUnprocessedItems() ? response.unprocessedItems().getOrDefault(table, List.of()) : List.of();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backing off", e);
        }
    }
}
