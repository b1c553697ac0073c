package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.Verdict;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobResults.Positioned;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.Tally;
import dev.mailcheck.testbed.Moto;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The DynamoDB store against moto: the job's item, its chunks' items and erasing a job. Its results over the
 * shards are {@link ShardedResultsTest}'s, the batches' retries {@link BatchWritesTest}'s.
 */
class DynamoResultStoreTest {

    static final String TABLE = "checker-results";

    @BeforeEach
    void freshTable() {
        Moto.shared().reset();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(TABLE));
    }

    static long count(DynamoDbClient dynamo, String jobId) {
        return IntStream.range(0, ShardedResults.SHARDS).mapToLong(shard -> dynamo.queryPaginator(b -> b
                .tableName(TABLE).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(ShardedResults.shardKey(jobId, shard))))
                .select("COUNT")).stream().mapToLong(r -> r.count()).sum()).sum();
    }

    static List<Positioned> results(int n) {
        // Syntax errors need no DNS: a cheap, real CheckResult per position.
        try (MxResolver dns = new MxResolver(List.of(), Duration.ofSeconds(1), 1, false)) {
            Checker checker = new Checker(dns);
            return LongStream.range(0, n).mapToObj(i -> new Positioned(i, checker.check("not-an-address-" + i).join()))
                    .toList();
        }
    }

    @Test
    void jobRoundTrip() {
        DynamoResultStore store = new DynamoResultStore(Moto.shared().dynamo(), TABLE, Duration.ofDays(30), SmtpCodes::link);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Job job = new Job("j1", "s3://b/uploads/x.csv", JobStatus.DONE, 3, Map.of(Verdict.UNDELIVERABLE, 2L, Verdict.UNKNOWN, 1L),
                now, now, "results/x.csv", 2);
        store.putJob(job);
        assertEquals(job, store.job("j1").orElseThrow());
        assertTrue(store.job("nope").isEmpty());
        assertFalse(store.createJob(new Job("j1", "elsewhere", JobStatus.QUEUED, 0, Map.of(), now, now, null, 0)),
                "a job that exists is not created again");
        assertEquals(job, store.job("j1").orElseThrow());
    }

    @Test
    void chunkTalliesAreKeptOncePerChunk() {
        DynamoResultStore store = new DynamoResultStore(Moto.shared().dynamo(), TABLE, Duration.ofDays(30), SmtpCodes::link);
        Tally first = new Tally(2, Map.of(Verdict.DELIVERABLE, 2L));
        Tally second = new Tally(1, Map.of(Verdict.UNKNOWN, 1L));
        store.putChunk("j2", 1, second);
        store.putChunk("j2", 0, first);
        store.putChunk("j2", 1, second);
        assertEquals(new TreeMap<>(Map.of(0, first, 1, second)), store.chunks("j2"));
        assertEquals(new Tally(3, Map.of(Verdict.DELIVERABLE, 2L, Verdict.UNKNOWN, 1L)),
                Tally.sum(store.chunks("j2").values()));
        assertTrue(store.chunks("nope").isEmpty());
    }

    /** Of two invocations ending the same job (the last chunk and a dead letter at once), one wins. */
    @Test
    void aJobEndsOnce() {
        DynamoResultStore store = new DynamoResultStore(Moto.shared().dynamo(), TABLE, Duration.ofDays(30), SmtpCodes::link);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Job running = new Job("j4", "s3://b/uploads/x.csv", JobStatus.RUNNING, 0, Map.of(), now, now, "results/x.j4.csv", 3);
        store.putJob(running);
        Job partial = running.ended(JobStatus.PARTIAL, new Tally(2, Map.of(Verdict.DELIVERABLE, 2L)), 1L, "1 of 3 chunks", null);
        assertTrue(store.finishJob(partial));
        assertFalse(store.finishJob(running.with(JobStatus.DONE, new Tally(3, Map.of(Verdict.DELIVERABLE, 3L)), 3)));
        Job stored = store.job("j4").orElseThrow();
        assertEquals(List.of(JobStatus.PARTIAL, 2L, 1L, "1 of 3 chunks"),
                List.of(stored.status(), stored.total(), stored.notChecked(), stored.error()));
        Job unknownCount = new Job("j5", "s3://b/uploads/y.csv", JobStatus.FAILED, 0, Map.of(), now, now, null, 0, null, "gave up");
        assertTrue(store.finishJob(unknownCount), "a job never stored before ends too");
        assertEquals(unknownCount, store.job("j5").orElseThrow(), "not_checked unknown stays unknown");
    }

    /** Chunks done and given up on are told apart; a later success of a chunk replaces its failure. */
    @Test
    void failedChunksAndTheirLaterSuccess() {
        DynamoResultStore store = new DynamoResultStore(Moto.shared().dynamo(), TABLE, Duration.ofDays(30), SmtpCodes::link);
        Tally done = new Tally(2, Map.of(Verdict.DELIVERABLE, 2L));
        store.putChunk("j6", 0, done);
        store.putFailedChunk("j6", 1, new ChunkTallies.FailedChunk(2000, "dead letter", null));
        store.putFailedChunk("j6", 2, new ChunkTallies.FailedChunk(5, "dead letter", null));
        store.putChunk("j6", 2, done);
        assertEquals(new TreeMap<>(Map.of(0, done, 2, done)), store.chunks("j6"));
        assertEquals(new TreeMap<>(Map.of(1, new ChunkTallies.FailedChunk(2000, "dead letter", null))), store.failedChunks("j6"));
        store.clearChunks("j6");
        assertTrue(store.chunks("j6").isEmpty() && store.failedChunks("j6").isEmpty());
    }

    /** deleteJob leaves nothing of the job: record, results (more than a page of them), chunk records. */
    @Test
    void deleteJobErasesEverything() {
        DynamoResultStore store = new DynamoResultStore(Moto.shared().dynamo(), TABLE, Duration.ofDays(30), SmtpCodes::link);
        Instant now = Instant.now();
        store.putJob(new Job("j7", "POST /v1/checks", JobStatus.DONE, 1_200, Map.of(), now, now, null, 0));
        store.putResults("j7", results(1_200));
        store.putChunk("j7", 0, Tally.EMPTY);
        store.putResults("other", results(3));
        assertEquals(new Tally(1_200, Map.of(Verdict.UNDELIVERABLE, 1_200L)), store.tally("j7"));
        store.deleteJob("j7");
        assertTrue(store.job("j7").isEmpty());
        assertEquals(0, count(Moto.shared().dynamo(), "j7"));
        assertTrue(store.chunks("j7").isEmpty());
        assertEquals(3, count(Moto.shared().dynamo(), "other"), "other jobs untouched");
    }
}
