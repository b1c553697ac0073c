package dev.mailcheck.aws;

import dev.mailcheck.store.JobErasure;
import dev.mailcheck.store.JobLifecycle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The store's part of erasing a job, in steps: results first (counted on the job's item as {@code erased}, which
 * GET shows), then the chunk items, then the job's item, which leaves a tombstone ({@code sk = GONE}: when and why,
 * nothing of the list) until the retention's end. Its own class because the order is what makes an erasure
 * cut short anywhere safe to carry on: each query starts over from what is left, and the job stays readable (and
 * erasable) to the end.
 */
final class DynamoErasure implements JobErasure {

    /** Items per step of {@link #deleteJob}, which erases at once. */
    private static final int STEP = 1_000;
    /** The sort key of an erased job's tombstone, beside where its item was. */
    private static final String GONE = "GONE";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final BatchWrites writes;

    DynamoErasure(DynamoDbClient dynamo, String table, Duration retention, BatchWrites writes) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        this.writes = writes;
    }

    @Override
    public void deleteJob(String jobId) {
        for (boolean gone = false; !gone; ) {
            gone = eraseSome(jobId, STEP);
        }
    }

    @Override
    public boolean eraseSome(String jobId, int maxItems) {
        List<Map<String, AttributeValue>> lines = new ArrayList<>();
        for (int shard = 0; shard < ShardedResults.SHARDS && lines.size() < maxItems; shard++) {
            String pk = ShardedResults.shardKey(jobId, shard);
            int left = maxItems - lines.size();
            lines.addAll(keys(pk, left));
        }
        // Counted batch by batch, so that a step cut short still shows how far it got.
        for (int i = 0; i < lines.size(); i += BatchWrites.BATCH) {
            List<Map<String, AttributeValue>> batch = lines.subList(i, Math.min(i + BatchWrites.BATCH, lines.size()));
            writes.delete(batch);
            countErased(jobId, batch.size());
        }
        if (lines.size() == maxItems) {
            return false;
        }
        List<Map<String, AttributeValue>> chunks = keys(DynamoChunkTallies.chunksKey(jobId), maxItems);
        writes.delete(chunks);
        if (chunks.size() == maxItems) {
            return false;
        }
        // The tombstone before the job's item goes: a give-up arriving late (the failure function's retry of an
        // upload's on-failure record) tells an erased job from one never stored, and stores nothing again (found by
        // a review: it stored the erased job anew, failed).
        Instant now = Instant.now();
        dynamo.putItem(b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("JOB#" + jobId),
                "sk", AttributeValue.fromS(GONE), "when", AttributeValue.fromS(now.toString()),
                "why", AttributeValue.fromS("it was deleted (DELETE /v1/jobs/" + jobId + ")"), "expires_at",
                AttributeValue.fromN(Long.toString(now.plus(retention).getEpochSecond())))));
        writes.delete(List.of(DynamoResultStore.jobKey(jobId)));
        return true;
    }

    /** When and why the job was erased, while its tombstone lasts. */
    Optional<JobLifecycle.Gone> gone(String jobId) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of("pk", AttributeValue.fromS("JOB#" + jobId), "sk", AttributeValue.fromS(GONE)))).item();
        return item == null || item.isEmpty() ? Optional.empty()
                : Optional.of(new JobLifecycle.Gone(Instant.parse(item.get("when").s()), item.get("why").s()));
    }

    /**
     * The keys of up to {@code limit} items under the partition key: fewer only when there are no more. Through the
     * SDK's paginator: one query stops at 1 MB of items read (before the projection), and a short page taken for the
     * end left large results behind the job's erasure (found by a review).
     */
    private List<Map<String, AttributeValue>> keys(String pk, int limit) {
        return dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true).keyConditionExpression("pk = :pk")
                .projectionExpression("pk, sk").expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))
                .limit(limit)).items().stream().limit(limit).toList();
    }

    /** Adds to the job's {@code erased} count; not for a job whose item is already gone (it would come back). */
    private void countErased(String jobId, long results) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(DynamoResultStore.jobKey(jobId))
                    .conditionExpression("attribute_exists(pk)").updateExpression("ADD erased :n")
                    .expressionAttributeValues(Map.of(":n", AttributeValue.fromN(Long.toString(results)))));
        } catch (ConditionalCheckFailedException e) {
            // results left over without a job (a write that raced the erasure): nothing to count them on
        }
    }

    @Override
    public long erased(String jobId) {
        AttributeValue erased = dynamo.getItem(b -> b.tableName(table).consistentRead(true).projectionExpression("erased")
                .key(DynamoResultStore.jobKey(jobId))).item().get("erased");
        return erased == null ? 0 : Long.parseLong(erased.n());
    }
}
