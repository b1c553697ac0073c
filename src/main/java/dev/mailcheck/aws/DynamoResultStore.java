package dev.mailcheck.aws;

import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.Tally;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.IntFunction;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * Jobs and results in one DynamoDB table:
 * <pre>
 *   pk = JOB#&lt;id&gt;            sk = JOB                 the job: status, total, counts per verdict, results key
 *                                                       ({@code erased}: results erased so far, while erasing)
 *   pk = JOB#&lt;id&gt;#&lt;shard&gt;    sk = LINE#&lt;12 digits&gt;   one result per input record, at its position
 *                                                       ({@link ShardedResults})
 *   pk = CHUNKS#&lt;id&gt;          sk = CHUNK#&lt;6 digits&gt;  a chunk of a split list, done or given up on
 *                                                       ({@link DynamoChunkTallies})
 *   pk = JOB#&lt;id&gt;            sk = GONE                an erased job's tombstone: when, why ({@link DynamoErasure})
 * </pre>
 * The job's item is kept here; its results, its chunks and its erasure ({@link DynamoErasure}) are each a class
 * of their own, which this store puts together. Keys by position make a re-run overwrite instead of duplicate, and
 * keep duplicates in a list as the separate records they are. {@code expires_at} (epoch seconds) is the table's
 * TTL attribute.
 */
public final class DynamoResultStore implements ResultStore {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final ShardedResults results;
    private final DynamoChunkTallies chunks;
    private final DynamoErasure erasure;

    /** @param link where a reply's code is explained (the API's {@code /v1/smtp-codes/}), null for none */
    public DynamoResultStore(DynamoDbClient dynamo, String table, Duration retention, IntFunction<String> link) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        BatchWrites writes = new BatchWrites(dynamo, table);
        this.results = new ShardedResults(dynamo, table, retention, link, writes);
        this.chunks = new DynamoChunkTallies(dynamo, table, retention, writes);
        this.erasure = new DynamoErasure(dynamo, table, retention, writes);
    }

    /** The table's store as the Lambda functions have it: RESULT_RETENTION_DAYS read as {@link AwsConfig} reads it. */
    public static DynamoResultStore fromEnvironment(String table, IntFunction<String> link) {
        return new DynamoResultStore(Aws.dynamo(), table, AwsConfig.retention(System.getenv()), link);
    }

    /** The table as infra/template.yaml declares it, for local stand-ins and tests. */
    public static CreateTableRequest tableDefinition(String table) {
        return CreateTableRequest.builder().tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build(),
                        AttributeDefinition.builder().attributeName("sk").attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build(),
                        KeySchemaElement.builder().attributeName("sk").keyType(KeyType.RANGE).build())
                .build();
    }

    /** The key of a job's item. */
    static Map<String, AttributeValue> jobKey(String id) {
        return Map.of("pk", s("JOB#" + id), "sk", s("JOB"));
    }

    @Override
    public void putJob(Job job) {
        dynamo.putItem(b -> b.tableName(table).item(jobItem(job)));
    }

    @Override
    public boolean finishJob(Job job) {
        try {
            dynamo.putItem(b -> b.tableName(table).item(jobItem(job))
                    .conditionExpression("attribute_not_exists(pk) OR NOT (#status IN (:done, :partial, :failed, :erasing))")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(":done", s(JobStatus.DONE.code()), ":partial", s(JobStatus.PARTIAL.code()),
                            ":failed", s(JobStatus.FAILED.code()), ":erasing", s(JobStatus.ERASING.code()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean putSplit(Job job) {
        try {
            dynamo.putItem(b -> b.tableName(table).item(jobItem(job))
                    .conditionExpression("attribute_exists(pk) AND NOT (#status IN (:done, :partial, :failed, :erasing))"
                            + " AND (attribute_not_exists(chunks) OR chunks = :unsplit)")
                    .expressionAttributeNames(Map.of("#status", "status"))
                    .expressionAttributeValues(Map.of(":done", s(JobStatus.DONE.code()), ":partial", s(JobStatus.PARTIAL.code()),
                            ":failed", s(JobStatus.FAILED.code()), ":erasing", s(JobStatus.ERASING.code()),
                            ":unsplit", n(0))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean createJob(Job job) {
        try {
            dynamo.putItem(b -> b.tableName(table).item(jobItem(job)).conditionExpression("attribute_not_exists(pk)"));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private Map<String, AttributeValue> jobItem(Job job) {
        Map<String, AttributeValue> item = new HashMap<>(jobKey(job.id()));
        item.put("source", s(job.source()));
        item.put("status", s(job.status().code()));
        item.put("total", n(job.total()));
        item.put("counts", TallyAttributes.counts(job.counts()));
        item.put("created", s(job.created().toString()));
        item.put("updated", s(job.updated().toString()));
        if (job.resultsKey() != null) {
            item.put("results_key", s(job.resultsKey()));
        }
        item.put("chunks", n(job.chunks()));
        if (job.notChecked() != null) {
            item.put("not_checked", n(job.notChecked()));
        }
        if (job.error() != null) {
            item.put("error", s(job.error()));
        }
        if (!job.heldBack().isEmpty()) {
            item.put("held_back", TallyAttributes.heldBack(job.heldBack()));
        }
        item.put("expires_at", n(job.updated().plus(retention).getEpochSecond()));
        return item;
    }

    @Override
    public Optional<Job> job(String id) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(jobKey(id))).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        AttributeValue results = item.get("results_key");
        AttributeValue chunks = item.get("chunks");
        AttributeValue notChecked = item.get("not_checked");
        AttributeValue error = item.get("error");
        return Optional.of(new Job(id, item.get("source").s(), JobStatus.of(item.get("status").s()), Long.parseLong(item.get("total").n()),
                TallyAttributes.counts(item.get("counts")), Instant.parse(item.get("created").s()),
                Instant.parse(item.get("updated").s()), results == null ? null : results.s(),
                chunks == null ? 0 : Integer.parseInt(chunks.n()), notChecked == null ? null : Long.valueOf(notChecked.n()),
                error == null ? null : error.s(), TallyAttributes.heldBack(item.get("held_back"))));
    }

    @Override
    public Optional<Gone> gone(String id) {
        return erasure.gone(id);
    }

    @Override
    public void putResults(String jobId, List<Positioned> results) {
        this.results.putResults(jobId, results);
    }

    @Override
    public Page results(String jobId, String cursor, int limit) {
        return results.results(jobId, cursor, limit);
    }

    @Override
    public Tally tally(String jobId) {
        return results.tally(jobId);
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        chunks.putChunk(jobId, chunk, tally);
    }

    @Override
    public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
        chunks.putFailedChunk(jobId, chunk, failed);
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        return chunks.chunks(jobId);
    }

    @Override
    public SortedMap<Integer, FailedChunk> failedChunks(String jobId) {
        return chunks.failedChunks(jobId);
    }

    @Override
    public void clearChunks(String jobId) {
        chunks.clearChunks(jobId);
    }

    @Override
    public void deleteJob(String jobId) {
        erasure.deleteJob(jobId);
    }

    @Override
    public boolean eraseSome(String jobId, int maxItems) {
        return erasure.eraseSome(jobId, maxItems);
    }

    @Override
    public long erased(String jobId) {
        return erasure.erased(jobId);
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
