package dev.mailcheck.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.Tally;
import dev.mailcheck.verdict.ResultJson;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.IntFunction;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * A job's results in the table, one item per input record at its position ({@code pk = JOB#<id>#<shard>},
 * {@code sk = LINE#<12 digits>}, shard = position mod {@link #SHARDS}), read back in input order by merging the
 * shards. Its own class because spreading a job over partition keys, and paging across them, is the one thing
 * here that needs care: one partition key takes about 1,000 write units a second, so every chunk's writes land
 * on all of them, and reading in order merges them.
 */
final class ShardedResults implements JobResults {

    /**
     * Partition keys a job's results are spread over: 16 × about 1,000 write units a second, more than a new
     * on-demand table serves at first (4,000), so the table, not one key, is what bounds a job's writes.
     */
    static final int SHARDS = 16;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    private final BatchWrites writes;
    /** Results as the API serves them, each reply linked to where it explains the code. */
    private final ObjectMapper json;

    ShardedResults(DynamoDbClient dynamo, String table, Duration retention, IntFunction<String> link, BatchWrites writes) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        this.writes = writes;
        this.json = ResultJson.mapper(link);
    }

    @Override
    public void putResults(String jobId, List<Positioned> results) {
        List<WriteRequest> items = new ArrayList<>(results.size());
        for (Positioned p : results) {
            items.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item(jobId, p)).build()).build());
        }
        writes.write(items);
    }

    /** A result's item (the SMTP ledger puts it in the transaction that settles its position). */
    Map<String, AttributeValue> item(String jobId, Positioned p) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(shardKey(jobId, shard(p.position()))));
        item.put("sk", AttributeValue.fromS(line(p.position())));
        item.put("address", AttributeValue.fromS(p.result().address()));
        if (p.result().normalized() != null) {
            item.put("normalized", AttributeValue.fromS(p.result().normalized()));
        }
        item.put("verdict", AttributeValue.fromS(p.result().verdict().code()));
        item.put("reason", AttributeValue.fromS(p.result().reason().code()));
        item.put("result", AttributeValue.fromS(json(p.result())));
        HeldBack held = p.result().heldBack();
        if (held != null) { // for the tally of a job that broke off, without reading every result
            item.put("held_back", TallyAttributes.heldBack(List.of(held)));
        }
        item.put("expires_at", AttributeValue.fromN(Long.toString(Instant.now().plus(retention).getEpochSecond())));
        return item;
    }

    /**
     * Each shard's next results after the cursor, merged in order. A shard that gave all it was asked for may
     * hold more before the others' last ones: the page ends at the first such shard's last result (with
     * positions without gaps, each page is full).
     */
    @Override
    public Page results(String jobId, String cursor, int limit) {
        String after = cursor == null ? "LINE#" : line(Long.parseLong(cursor));
        int each = (limit + 1) / SHARDS + 2;
        TreeMap<Long, String> merged = new TreeMap<>();
        long bound = Long.MAX_VALUE;
        for (int shard = 0; shard < SHARDS; shard++) {
            String pk = shardKey(jobId, shard);
            // Through the paginator: one query stops at 1 MB of items, and a short page read as the shard's end let the
            // cursor pass results never returned (found by a review).
            List<Map<String, AttributeValue>> items = dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk AND sk > :after")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk), ":after", AttributeValue.fromS(after)))
                    .limit(each)).items().stream().limit(each).toList();
            items.forEach(i -> merged.put(position(i), i.get("result").s()));
            if (items.size() == each) {
                bound = Math.min(bound, position(items.getLast()));
            }
        }
        SortedMap<Long, String> sure = merged.headMap(bound, true);
        List<String> page = sure.values().stream().limit(limit).toList();
        boolean more = sure.size() > limit || bound != Long.MAX_VALUE;
        String next = more && !page.isEmpty() ? Long.toString(sure.keySet().stream().skip(page.size() - 1).findFirst()
                .orElseThrow()) : null;
        return new Page(page, next);
    }

    @Override
    public Tally tally(String jobId) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        HeldBack.Counts heldBack = new HeldBack.Counts();
        for (int shard = 0; shard < SHARDS; shard++) {
            String pk = shardKey(jobId, shard);
            dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                            .keyConditionExpression("pk = :pk").projectionExpression("verdict, held_back")
                            .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))).items()
                    .forEach(i -> {
                        counts.merge(TallyAttributes.verdict(i.get("verdict").s()), 1L, Long::sum);
                        TallyAttributes.heldBack(i.get("held_back")).forEach(heldBack::add);
                    });
        }
        return new Tally(counts.values().stream().mapToLong(Long::longValue).sum(), counts, heldBack.list());
    }

    /** The partition key of a job's results of one shard. */
    static String shardKey(String jobId, int shard) {
        return "JOB#" + jobId + "#" + shard;
    }

    static int shard(long position) {
        return (int) (position % SHARDS);
    }

    private static long position(Map<String, AttributeValue> item) {
        return Long.parseLong(item.get("sk").s().substring("LINE#".length()));
    }

    private static String line(long position) {
        return String.format(Locale.ROOT, "LINE#%012d", position);
    }

    private String json(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
