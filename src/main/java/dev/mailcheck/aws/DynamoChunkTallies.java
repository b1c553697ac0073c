package dev.mailcheck.aws;

import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Tally;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The chunks of a split list in the table, an item each under a partition of their own ({@code pk = CHUNKS#<id>},
 * {@code sk = CHUNK#<6 digits>}): done (its total, counts and what was held back) or given up on
 * ({@code failed_records}, {@code error}; with a tally too, of what it checked (none when given up on whole; in part
 * when an SMTP job's item was, the rest of the chunk checked), once it keeps its part of the results file); one item per chunk, so a later success replaces a failure. Its own
 * partition, so that telling whether a job is complete never walks the job's results.
 */
final class DynamoChunkTallies implements ChunkTallies {

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final BatchWrites writes;

    DynamoChunkTallies(DynamoDbClient dynamo, String table, Duration retention, BatchWrites writes) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        this.writes = writes;
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        put(jobId, chunk, fields(tally));
    }

    private static Map<String, AttributeValue> fields(Tally tally) {
        Map<String, AttributeValue> fields = new HashMap<>(Map.of("total", AttributeValue.fromN(Long.toString(tally.total())),
                "counts", TallyAttributes.counts(tally.counts())));
        if (!tally.heldBack().isEmpty()) {
            fields.put("held_back", TallyAttributes.heldBack(tally.heldBack()));
        }
        return fields;
    }

    private static Tally tally(Map<String, AttributeValue> item) {
        return new Tally(Long.parseLong(item.get("total").n()), TallyAttributes.counts(item.get("counts")),
                TallyAttributes.heldBack(item.get("held_back")));
    }

    /** A chunk given up on in part keeps the tally of what it checked beside its failure. */
    @Override
    public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
        Map<String, AttributeValue> fields = new HashMap<>(failed.kept() == null ? Map.of() : fields(failed.kept()));
        fields.putAll(Map.of("failed_records", AttributeValue.fromN(Long.toString(failed.records())),
                "error", AttributeValue.fromS(failed.error())));
        put(jobId, chunk, fields);
    }

    private void put(String jobId, int chunk, Map<String, AttributeValue> fields) {
        Map<String, AttributeValue> item = new HashMap<>(fields);
        item.put("pk", AttributeValue.fromS(chunksKey(jobId)));
        item.put("sk", AttributeValue.fromS(String.format(Locale.ROOT, "CHUNK#%06d", chunk)));
        item.put("expires_at", AttributeValue.fromN(Long.toString(Instant.now().plus(retention).getEpochSecond())));
        dynamo.putItem(b -> b.tableName(table).item(item));
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        SortedMap<Integer, Tally> done = new TreeMap<>();
        items(jobId).forEach(i -> {
            if (!i.containsKey("failed_records")) {
                done.put(number(i), tally(i));
            }
        });
        return done;
    }

    @Override
    public SortedMap<Integer, FailedChunk> failedChunks(String jobId) {
        SortedMap<Integer, FailedChunk> failed = new TreeMap<>();
        items(jobId).forEach(i -> {
            if (i.containsKey("failed_records")) {
                failed.put(number(i), new FailedChunk(Long.parseLong(i.get("failed_records").n()), i.get("error").s(),
                        i.containsKey("total") ? tally(i) : null));
            }
        });
        return failed;
    }

    @Override
    public void clearChunks(String jobId) {
        writes.delete(items(jobId));
    }

    private Iterable<Map<String, AttributeValue>> items(String jobId) {
        return dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(chunksKey(jobId))))).items();
    }

    private static int number(Map<String, AttributeValue> item) {
        return Integer.parseInt(item.get("sk").s().substring("CHUNK#".length()));
    }

    /** The partition key of a job's chunk items. */
    static String chunksKey(String jobId) {
        return "CHUNKS#" + jobId;
    }
}
