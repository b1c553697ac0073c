package dev.mailcheck.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
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
import java.util.function.IntFunction;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Jobs and results in one DynamoDB table:
 * <pre>
 *   pk = JOB#&lt;id&gt;            sk = JOB                 the job: status, total, counts per verdict, results key
 *                                                       ({@code erased}: results erased so far, while erasing)
 *   pk = JOB#&lt;id&gt;#&lt;shard&gt;    sk = LINE#&lt;12 digits&gt;   one result per input record, at its position; shard =
 *                                                       position mod {@link #SHARDS}
 *   pk = CHUNKS#&lt;id&gt;          sk = CHUNK#&lt;6 digits&gt;  a chunk of a split list, done (its total and counts) or
 *                                                       given up on (failed_records, error)
 * </pre>
 * Keys by position make a re-run overwrite instead of duplicate, and keep duplicates in a list as
 * the separate records they are. A job's results are spread over {@link #SHARDS} partition keys because one
 * partition key takes about 1,000 write units a second: every chunk's writes land on all of them, and reading
 * in order merges them. {@code expires_at} (epoch seconds) is the table's TTL attribute.
 */
public final class DynamoResultStore implements ResultStore {

    /** DynamoDB's limit for one BatchWriteItem. */
    static final int BATCH = 25;
    /**
     * Partition keys a job's results are spread over: 16 × about 1,000 write units a second, more than a new
     * on-demand table serves at first (4,000), so the table, not one key, is what bounds a job's writes.
     */
    static final int SHARDS = 16;
    private static final int MAX_ATTEMPTS = 12;
    private static final Duration BACKOFF_BASE = Duration.ofMillis(50);
    private static final Duration BACKOFF_CAP = Duration.ofSeconds(5);
    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration retention;
    /** Results as the API serves them, each reply linked to where it explains the code. */
    private final ObjectMapper json;

    /** @param link where a reply's code is explained (the API's {@code /v1/smtp-codes/}), null for none */
    public DynamoResultStore(DynamoDbClient dynamo, String table, Duration retention, IntFunction<String> link) {
        this.dynamo = dynamo;
        this.table = table;
        this.retention = retention;
        this.json = ResultJson.mapper(link);
    }

    /** With the SDK client the functions use (region and endpoint from the environment). */
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
    public boolean createJob(Job job) {
        try {
            dynamo.putItem(b -> b.tableName(table).item(jobItem(job)).conditionExpression("attribute_not_exists(pk)"));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private Map<String, AttributeValue> jobItem(Job job) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", s("JOB#" + job.id()));
        item.put("sk", s("JOB"));
        item.put("source", s(job.source()));
        item.put("status", s(job.status().code()));
        item.put("total", n(job.total()));
        item.put("counts", counts(job.counts()));
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
            item.put("held_back", heldBack(job.heldBack()));
        }
        item.put("expires_at", n(job.updated().plus(retention).getEpochSecond()));
        return item;
    }

    @Override
    public Optional<Job> job(String id) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of("pk", s("JOB#" + id), "sk", s("JOB")))).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        AttributeValue results = item.get("results_key");
        AttributeValue chunks = item.get("chunks");
        AttributeValue notChecked = item.get("not_checked");
        AttributeValue error = item.get("error");
        return Optional.of(new Job(id, item.get("source").s(), JobStatus.of(item.get("status").s()), Long.parseLong(item.get("total").n()),
                counts(item.get("counts")), Instant.parse(item.get("created").s()), Instant.parse(item.get("updated").s()),
                results == null ? null : results.s(), chunks == null ? 0 : Integer.parseInt(chunks.n()),
                notChecked == null ? null : Long.valueOf(notChecked.n()), error == null ? null : error.s(),
                heldBack(item.get("held_back"))));
    }

    @Override
    public void putResults(String jobId, List<Positioned> results) {
        long expires = Instant.now().plus(retention).getEpochSecond();
        List<WriteRequest> writes = new ArrayList<>(results.size());
        for (Positioned p : results) {
            Map<String, AttributeValue> item = new HashMap<>();
            item.put("pk", s(shardKey(jobId, shard(p.position()))));
            item.put("sk", s(line(p.position())));
            item.put("address", s(p.result().address()));
            if (p.result().normalized() != null) {
                item.put("normalized", s(p.result().normalized()));
            }
            item.put("verdict", s(p.result().verdict().code()));
            item.put("reason", s(p.result().reason().code()));
            item.put("result", s(json(p.result())));
            HeldBack held = p.result().heldBack();
            if (held != null) { // for the tally of a job that broke off, without reading every result
                item.put("held_back", heldBack(List.of(held)));
            }
            item.put("expires_at", n(expires));
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
        }
        for (int i = 0; i < writes.size(); i += BATCH) {
            write(writes.subList(i, Math.min(i + BATCH, writes.size())));
        }
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
            List<Map<String, AttributeValue>> items = dynamo.query(b -> b.tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk AND sk > :after")
                    .expressionAttributeValues(Map.of(":pk", s(pk), ":after", s(after))).limit(each)).items();
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

    private static long position(Map<String, AttributeValue> item) {
        return Long.parseLong(item.get("sk").s().substring("LINE#".length()));
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        putChunkItem(jobId, chunk, tallyFields(tally));
    }

    private Map<String, AttributeValue> tallyFields(Tally tally) {
        Map<String, AttributeValue> fields = new HashMap<>(Map.of("total", n(tally.total()), "counts",
                counts(tally.counts())));
        if (!tally.heldBack().isEmpty()) {
            fields.put("held_back", heldBack(tally.heldBack()));
        }
        return fields;
    }

    private Tally chunkTally(Map<String, AttributeValue> item) {
        return new Tally(Long.parseLong(item.get("total").n()), counts(item.get("counts")), heldBack(item.get("held_back")));
    }

    /** A chunk given up on in part keeps the tally of what it checked beside its failure (total: it kept rows). */
    @Override
    public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
        Map<String, AttributeValue> fields = new HashMap<>(failed.kept() == null ? Map.of() : tallyFields(failed.kept()));
        fields.putAll(Map.of("failed_records", n(failed.records()), "error", s(failed.error())));
        putChunkItem(jobId, chunk, fields);
    }

    private void putChunkItem(String jobId, int chunk, Map<String, AttributeValue> fields) {
        Map<String, AttributeValue> item = new HashMap<>(fields);
        item.put("pk", s(chunksKey(jobId)));
        item.put("sk", s(String.format(Locale.ROOT, "CHUNK#%06d", chunk)));
        item.put("expires_at", n(Instant.now().plus(retention).getEpochSecond()));
        dynamo.putItem(b -> b.tableName(table).item(item));
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        SortedMap<Integer, Tally> done = new TreeMap<>();
        chunkItems(jobId).forEach(i -> {
            if (!i.containsKey("failed_records")) {
                done.put(chunkNumber(i), chunkTally(i));
            }
        });
        return done;
    }

    @Override
    public SortedMap<Integer, FailedChunk> failedChunks(String jobId) {
        SortedMap<Integer, FailedChunk> failed = new TreeMap<>();
        chunkItems(jobId).forEach(i -> {
            if (i.containsKey("failed_records")) {
                failed.put(chunkNumber(i), new FailedChunk(Long.parseLong(i.get("failed_records").n()), i.get("error").s(),
                        i.containsKey("total") ? chunkTally(i) : null));
            }
        });
        return failed;
    }

    private static int chunkNumber(Map<String, AttributeValue> item) {
        return Integer.parseInt(item.get("sk").s().substring("CHUNK#".length()));
    }

    @Override
    public void clearChunks(String jobId) {
        delete(chunkItems(jobId));
    }

    @Override
    public Tally tally(String jobId) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        HeldBack.Counts heldBack = new HeldBack.Counts();
        for (int shard = 0; shard < SHARDS; shard++) {
            String pk = shardKey(jobId, shard);
            dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                            .keyConditionExpression("pk = :pk").projectionExpression("verdict, held_back")
                            .expressionAttributeValues(Map.of(":pk", s(pk)))).items()
                    .forEach(i -> {
                        counts.merge(Verdict.valueOf(i.get("verdict").s().toUpperCase(Locale.ROOT)), 1L, Long::sum);
                        heldBack(i.get("held_back")).forEach(heldBack::add);
                    });
        }
        return new Tally(counts.values().stream().mapToLong(Long::longValue).sum(), counts, heldBack.list());
    }

    @Override
    public void deleteJob(String jobId) {
        for (boolean gone = false; !gone; ) {
            gone = eraseSome(jobId, 1_000);
        }
    }

    /**
     * Results first (counted on the job's item as {@code erased}, which GET shows), then the chunk records, then
     * the job's item: each query starts over from what is left, so a step cut short anywhere is carried on by the
     * next, and the job stays readable (and erasable) to the end.
     */
    @Override
    public boolean eraseSome(String jobId, int maxItems) {
        List<Map<String, AttributeValue>> lines = new ArrayList<>();
        for (int shard = 0; shard < SHARDS && lines.size() < maxItems; shard++) {
            String pk = shardKey(jobId, shard);
            int left = maxItems - lines.size();
            lines.addAll(dynamo.query(b -> b.tableName(table).consistentRead(true).keyConditionExpression("pk = :pk")
                    .projectionExpression("pk, sk").expressionAttributeValues(Map.of(":pk", s(pk))).limit(left)).items());
        }
        // Counted batch by batch, so that a step cut short still shows how far it got.
        for (int i = 0; i < lines.size(); i += BATCH) {
            List<Map<String, AttributeValue>> batch = lines.subList(i, Math.min(i + BATCH, lines.size()));
            delete(batch);
            countErased(jobId, batch.size());
        }
        if (lines.size() == maxItems) {
            return false;
        }
        List<Map<String, AttributeValue>> chunks = dynamo.query(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk").projectionExpression("pk, sk")
                .expressionAttributeValues(Map.of(":pk", s(chunksKey(jobId)))).limit(maxItems)).items();
        delete(chunks);
        if (chunks.size() == maxItems) {
            return false;
        }
        delete(List.of(Map.of("pk", s("JOB#" + jobId), "sk", s("JOB"))));
        return true;
    }

    /** Adds to the job's {@code erased} count; not for a job whose item is already gone (it would come back). */
    private void countErased(String jobId, long results) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(Map.of("pk", s("JOB#" + jobId), "sk", s("JOB")))
                    .conditionExpression("attribute_exists(pk)").updateExpression("ADD erased :n")
                    .expressionAttributeValues(Map.of(":n", n(results))));
        } catch (ConditionalCheckFailedException e) {
            // results left over without a job (a write that raced the erasure): nothing to count them on
        }
    }

    @Override
    public long erased(String jobId) {
        AttributeValue erased = dynamo.getItem(b -> b.tableName(table).consistentRead(true).projectionExpression("erased")
                .key(Map.of("pk", s("JOB#" + jobId), "sk", s("JOB")))).item().get("erased");
        return erased == null ? 0 : Long.parseLong(erased.n());
    }

    /** Deletes the items (of which only pk and sk are read), in batches as they come. */
    private void delete(Iterable<Map<String, AttributeValue>> items) {
        List<WriteRequest> deletes = new ArrayList<>(BATCH);
        for (Map<String, AttributeValue> i : items) {
            deletes.add(WriteRequest.builder().deleteRequest(d -> d.key(Map.of("pk", i.get("pk"), "sk", i.get("sk")))).build());
            if (deletes.size() == BATCH) {
                write(List.copyOf(deletes));
                deletes.clear();
            }
        }
        if (!deletes.isEmpty()) {
            write(deletes);
        }
    }

    private Iterable<Map<String, AttributeValue>> chunkItems(String jobId) {
        return dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s(chunksKey(jobId))))).items();
    }

    /** The partition key of a job's results of one shard. */
    static String shardKey(String jobId, int shard) {
        return "JOB#" + jobId + "#" + shard;
    }

    static int shard(long position) {
        return (int) (position % SHARDS);
    }

    /** Chunk tallies have a partition of their own, so that reading them never walks a job's results. */
    private static String chunksKey(String jobId) {
        return "CHUNKS#" + jobId;
    }

    private static AttributeValue counts(Map<Verdict, Long> counts) {
        Map<String, AttributeValue> m = new HashMap<>();
        counts.forEach((v, c) -> m.put(v.code(), n(c)));
        return AttributeValue.fromM(m);
    }

    /** Per provider group, {not_tried, waited}. */
    private static AttributeValue heldBack(List<HeldBack> heldBack) {
        Map<String, AttributeValue> m = new HashMap<>();
        heldBack.forEach(h -> m.put(h.group(), AttributeValue.fromM(Map.of("not_tried", n(h.notTried()), "waited",
                n(h.waited())))));
        return AttributeValue.fromM(m);
    }

    /** What {@link #heldBack(List)} wrote, most first; empty for an item without it (written before it existed). */
    private static List<HeldBack> heldBack(AttributeValue m) {
        if (m == null) {
            return List.of();
        }
        return HeldBack.sum(m.m().entrySet().stream().map(e -> new HeldBack(e.getKey(),
                Long.parseLong(e.getValue().m().get("not_tried").n()), Long.parseLong(e.getValue().m().get("waited").n())))
                .toList());
    }

    private static Map<Verdict, Long> counts(AttributeValue m) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        m.m().forEach((k, v) -> counts.put(Verdict.valueOf(k.toUpperCase(Locale.ROOT)), Long.parseLong(v.n())));
        return counts;
    }

    private static String line(long position) {
        return String.format(Locale.ROOT, "LINE#%012d", position);
    }

    /**
     * One BatchWriteItem, then its UnprocessedItems again and again with exponential backoff and full
     * jitter (as AWS recommends) until none are left. Running out of attempts is an exception, never a
     * silent loss: the caller's invocation fails and is retried, and the keys make the retry idempotent.
     */
    private void write(List<WriteRequest> batch) {
        write(dynamo, table, batch);
    }

    /** {@link #write(List)} for any writer to the table (the SMTP ledger's rows too). */
    static void write(DynamoDbClient dynamo, String table, List<WriteRequest> batch) {
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

    private String json(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
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

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
