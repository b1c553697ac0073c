package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.JobResults.Positioned;
import dev.mailcheck.testbed.Moto;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** A job's results spread over the shards' partition keys and read back in input order, against moto. */
class ShardedResultsTest {

    private static final String TABLE = DynamoResultStoreTest.TABLE;

    @BeforeEach
    void freshTable() {
        Moto.shared().reset();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(TABLE));
    }

    private static ShardedResults results() {
        return new ShardedResults(Moto.shared().dynamo(), TABLE, Duration.ofDays(30), SmtpCodes::link,
                new BatchWrites(Moto.shared().dynamo(), TABLE));
    }

    /**
     * Large results (a shard's are 300 KB each, under DynamoDB's 400 KB item) are read back page by page, every one
     * once. One query stops at 1 MB of items: read as the shard's end, a short page let the cursor pass results (156
     * of 160 read; found by a review; moto cuts queries at 1 MB as DynamoDB does).
     */
    @Test
    void largeResultsAreAllReadBack() {
        ShardedResults store = results();
        store.putResults("big", largeInShardZero(160));
        int seen = 0;
        String cursor = null;
        do {
            JobResults.Page page = store.results("big", cursor, 100);
            seen += page.results().size();
            cursor = page.nextCursor();
        } while (cursor != null);
        assertEquals(160, seen, "results read back through the pages");
    }

    /** The same large results all go with their job's erasure (before: the job went and 7 of them stayed). */
    @Test
    void anErasureLeavesNoLargeResultBehind() {
        results().putResults("erased", largeInShardZero(10 * ShardedResults.SHARDS));
        new DynamoErasure(Moto.shared().dynamo(), TABLE, Duration.ofDays(30), new BatchWrites(Moto.shared().dynamo(), TABLE))
                .deleteJob("erased");
        assertEquals(List.of("GONE"), Moto.shared().dynamo().scanPaginator(b -> b.tableName(TABLE)).items().stream()
                .map(i -> i.get("sk").s()).toList(), "items left after the job was erased: its tombstone alone");
    }

    /** {@code n} results, those of shard 0 with inputs of 150,000 characters. */
    private static List<Positioned> largeInShardZero(int n) {
        List<Positioned> rows = new ArrayList<>();
        for (long p = 0; p < n; p++) {
            String input = p % ShardedResults.SHARDS == 0 ? "x".repeat(150_000) + p : "user" + p + "@example.test";
            rows.add(new Positioned(p, dev.mailcheck.verdict.CheckResult.notChecked(input, "test")));
        }
        return rows;
    }

    /** Stored as the API serves them: each reply linked to where GET /v1/smtp-codes explains its code. */
    @Test
    void resultsAreStoredWithTheirReplysLink() {
        ShardedResults store = results();
        store.putResults("j0", DynamoResultStoreTest.results(1));
        String stored = store.results("j0", null, 10).results().getFirst();
        assertTrue(stored.contains("\"predicted_reply\":{\"code\":501,\"enhanced\":\"5.1.3\","
                + "\"reference\":\"/v1/smtp-codes/501\"}"), stored);
    }

    /**
     * A job's results spread over {@link ShardedResults#SHARDS} partition keys, none holding more than its share
     * (before: all under JOB#id, one partition's 1,000 write units a second for the whole job).
     */
    @Test
    void aJobsResultsAreSpreadOverPartitionKeys() {
        ShardedResults store = results();
        store.putResults("spread", DynamoResultStoreTest.results(320));
        Map<String, Long> perKey = new TreeMap<>();
        Moto.shared().dynamo().scanPaginator(b -> b.tableName(TABLE)).items()
                .forEach(i -> perKey.merge(i.get("pk").s(), 1L, Long::sum));
        assertEquals(ShardedResults.SHARDS, perKey.size(), perKey::toString);
        assertEquals(Set.of(320L / ShardedResults.SHARDS), Set.copyOf(perKey.values()), perKey::toString);
    }

    /** Pages read the shards back in input order, each position once, over gaps (a chunk given up on stored none). */
    @ParameterizedTest(name = "{0} results, gap {1}..{2}, pages of {3}")
    @CsvSource(textBlock = """
            0,    0,   0,   100
            1,    0,   0,   100
            250,  0,   0,   100
            250,  0,   0,   7
            250,  40,  200, 100
            250,  0,   230, 10
            250,  17,  18,  1
            """)
    void pagesReadTheShardsBackInOrder(int n, int gapFrom, int gapTo, int limit) {
        ShardedResults store = results();
        List<Positioned> stored = DynamoResultStoreTest.results(n).stream().filter(p -> p.position() < gapFrom || p.position() >= gapTo).toList();
        store.putResults("paged", stored);
        List<String> read = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JobResults.Page page = store.results("paged", cursor, limit);
            assertTrue(page.results().size() <= limit);
            read.addAll(page.results());
            cursor = page.nextCursor();
            assertTrue(++pages <= n + 1, "pages end");
        } while (cursor != null);
        assertEquals(stored.stream().map(p -> p.result().address()).toList(), read.stream()
                .map(r -> r.replaceFirst("^\\{\"address\":\"([^\"]*)\".*", "$1")).toList());
    }

    @Test
    void everyResultLandsAndRewritingReplaces() {
        ShardedResults store = results();
        List<Positioned> results = DynamoResultStoreTest.results(1_000);
        store.putResults("j2", results);
        store.putResults("j2", results.subList(0, 100));
        assertEquals(1_000, DynamoResultStoreTest.count(Moto.shared().dynamo(), "j2"));
        Map<String, AttributeValue> item = Moto.shared().dynamo().getItem(b -> b.tableName(TABLE)
                .key(Map.of("pk", AttributeValue.fromS(ShardedResults.shardKey("j2", ShardedResults.shard(42))), "sk",
                AttributeValue.fromS("LINE#000000000042")))).item();
        assertEquals("not-an-address-42", item.get("address").s());
        assertEquals("invalid_syntax", item.get("reason").s());
        assertTrue(item.get("result").s().contains("\"predicted_reply\":{\"code\":501"), item.get("result").s());
        assertTrue(Long.parseLong(item.get("expires_at").n()) > Instant.now().plus(Duration.ofDays(29)).getEpochSecond());
    }
}
