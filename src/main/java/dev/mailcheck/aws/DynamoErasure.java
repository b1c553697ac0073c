package dev.mailcheck.aws;

import dev.mailcheck.store.JobErasure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The store's part of erasing a job, in steps: results first (counted on the job's item as {@code erased}, which
 * GET shows), then the chunk items, then the job's item. Its own class because the order is what makes an erasure
 * cut short anywhere safe to carry on: each query starts over from what is left, and the job stays readable (and
 * erasable) to the end.
 */
final class DynamoErasure implements JobErasure {

    /** Items per step of {@link #deleteJob}, which erases at once. */
    private static final int STEP = 1_000;

    private final DynamoDbClient dynamo;
    private final String table;
    private final BatchWrites writes;

    DynamoErasure(DynamoDbClient dynamo, String table, BatchWrites writes) {
        this.dynamo = dynamo;
        this.table = table;
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
        writes.delete(List.of(DynamoResultStore.jobKey(jobId)));
        return true;
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
