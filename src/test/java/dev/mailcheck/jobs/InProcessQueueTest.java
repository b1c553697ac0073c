package dev.mailcheck.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.LoggedDefects;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.store.ForwardingStore;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.store.ResultStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A chunk that fails every try on serve's queue: each try's defect is logged with its stack, and the chunk's
 * recorded failure names every one of them, not only the last (a store that fails each try with another
 * exception: an in-process fault, as no real store fails on demand), and each of its records gets a row saying it
 * was not checked and why, those defects named.
 */
class InProcessQueueTest {

    @Test
    void everyFailedTryIsLoggedAndNamedWhereTheChunkIsGivenUpOn() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        BlockingQueue<String> givenUp = new LinkedBlockingQueue<>();
        try (LoggedDefects log = new LoggedDefects();
             LocalResultStore local = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            ResultStore store = new ForwardingStore(local) {
                @Override
                public Optional<Job> job(String id) {
                    int t = tries.incrementAndGet();
                    if (t <= InProcessQueue.ATTEMPTS) {
                        throw new IllegalStateException("try " + t + " fails its own way");
                    }
                    return super.job(id);
                }

                @Override
                public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
                    givenUp.add(failed.error());
                    super.putFailedChunk(jobId, chunk, failed);
                }
            };
            Instant now = Instant.now();
            local.putJob(new Job("q-1", "test", JobStatus.RUNNING, 0, Map.of(), now, now, null, 1));
            JobWorkflow[] workflow = new JobWorkflow[1];
            InProcessQueue queue = new InProcessQueue(1, InProcessQueue.ATTEMPTS, Duration.ofSeconds(5), () -> workflow[0]);
            workflow[0] = JobWorkflow.builder(JobWorkflow.Checkers.dnsOnly(null), store)
                    .splitting(queue, JobWorkflow.Chunking.DEFAULT).build();
            List<InputRecords.Input> records = List.of(new InputRecords.Input("a@example.test", null),
                    new InputRecords.Input("not an address", null));
            queue.send(new Chunk("q-1", null, 0, 0, records, SmtpDepth.NONE));

            String why = givenUp.poll(60, TimeUnit.SECONDS); // a guard against a hang, not a timing
            assertNotNull(why, "the chunk was given up on");
            Matcher ids = Pattern.compile("internal error [0-9a-f]{8}").matcher(why);
            int named = 0;
            while (ids.find()) {
                named++;
                log.assertLogged(ids.group(), IllegalStateException.class, "try " + named + " fails its own way",
                        "InProcessQueueTest");
            }
            assertEquals(InProcessQueue.ATTEMPTS, named, why);
            // Its records answered from their raw text (the checker here is none: nothing checks them again), each
            // naming the defects; the job, its only chunk given up on, failed with a row per record.
            List<String> rows = local.results("q-1", null, 10).results();
            assertEquals(2, rows.size(), rows::toString);
            for (int i = 0; i < rows.size(); i++) {
                JsonNode row = new ObjectMapper().readTree(rows.get(i));
                assertEquals(List.of(records.get(i).value(), "unknown", "unverifiable"), List.of(row.get("address").asText(),
                        row.get("verdict").asText(), row.get("reason").asText()), rows.get(i));
                assertTrue(row.get("detail").asText().startsWith("Not checked: its chunk of the job (chunk 0, records 1 to 2)"
                        + " failed on every one of " + InProcessQueue.ATTEMPTS + " tries (internal error "), rows.get(i));
            }
            long deadline = System.nanoTime() + 60_000_000_000L; // a guard against a hang, not a timing
            while (!local.job("q-1").orElseThrow().finished() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Job ended = local.job("q-1").orElseThrow();
            assertEquals(List.of(JobStatus.FAILED, 0L, 2L), List.of(ended.status(), ended.total(), ended.notChecked()));
        }
    }
}
