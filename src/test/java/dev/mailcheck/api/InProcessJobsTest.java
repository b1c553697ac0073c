package dev.mailcheck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.jobs.JobWorkflow;
import dev.mailcheck.jobs.SmtpDepth;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.ForwardingStore;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.testbed.Nsd;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** serve's jobs when a check breaks: each ends, and frees its slot of --max-jobs for the next. */
class InProcessJobsTest {

    private static MxResolver dns;

    @BeforeAll
    static void start() {
        dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, true);
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    /**
     * One slot; the store refuses every result with the fault (an in-process fault: no real store fails on
     * demand, and an Error is what a stack overflow or a heap run out would throw). The job ends failed, and a
     * second job is taken, not refused as busy.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                                 | inline max | fault
            in one piece, an exception                 | 100        | exception
            in one piece, a stack overflow             | 100        | StackOverflowError
            in chunks, an exception on every try       | 0          | exception
            in chunks, a stack overflow on every try   | 0          | StackOverflowError
            """)
    void aJobThatBreaksEndsFailedAndFreesItsSlot(String scenario, int inlineMax, String fault) throws Exception {
        Supplier<Throwable> thrown = () -> fault.equals("StackOverflowError") ? new StackOverflowError("broken")
                : new IllegalStateException("broken");
        try (LocalResultStore local = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            ResultStore store = new ForwardingStore(local) {
                @Override
                public void putResults(String jobId, List<Positioned> results) {
                    Throwable t = thrown.get();
                    if (t instanceof Error e) {
                        throw e;
                    }
                    throw (RuntimeException) t;
                }
            };
            InProcessJobs jobs = new InProcessJobs(JobWorkflow.Checkers.dnsOnly(new Checker(dns)), store, 1,
                    new JobWorkflow.Chunking(inlineMax, 1));
            Job first = jobs.submit("a@good.checker.test\nb@good.checker.test\n", false, null, SmtpDepth.NONE);
            long deadline = System.nanoTime() + 60_000_000_000L; // a guard against a hang, not a timing
            while (!store.job(first.id()).orElseThrow().finished() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(JobStatus.FAILED, store.job(first.id()).orElseThrow().status());
            Job second = jobs.submit("c@good.checker.test\n", false, null, SmtpDepth.NONE);
            assertEquals(JobStatus.QUEUED, second.status(), "the slot is free again");
        }
    }
}
