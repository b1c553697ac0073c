package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Query slots, one step at a time, then under many threads at once. One step at a time: a script of starts (F: a follow-up, N: a fresh query), releases (R)
 * and a close (C); after each step, which starts have run. A start here only records itself, as a
 * query that is sent and waits for its answer would.
 */
class QuerySlotsTest {

    @ParameterizedTest(name = "{0} slot(s): {1}")
    @CsvSource(textBlock = """
            # slots | steps                    | started after each step
              1     | N1 N2 N3                 | N1;N1;N1
              2     | N1 N2 N3 R R R           | N1;N1 N2;N1 N2;N1 N2 N3;N1 N2 N3;N1 N2 N3
              1     | N1 N2 F1 R               | N1;N1;N1;N1 F1
              1     | N1 N2 F1 R R             | N1;N1;N1;N1 F1;N1 F1 N2
              1     | N1 N2 N3 C               | N1;N1;N1;N1 N2 N3
              1     | N1 C N2                  | N1;N1;N1 N2
              3     | N1 R F1 F2 N2 N3 R N4    | N1;N1;N1 F1;N1 F1 F2;N1 F1 F2 N2;N1 F1 F2 N2;N1 F1 F2 N2 N3;N1 F1 F2 N2 N3
            """, delimiter = '|')
    void startsAsSlotsAllow(int slots, String steps, String expected) {
        QuerySlots q = new QuerySlots(slots);
        List<String> started = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String step : steps.split(" ")) {
            switch (step.charAt(0)) {
                case 'R' -> q.release();
                case 'C' -> q.close();
                default -> q.start(step.charAt(0) == 'F', () -> started.add(step));
            }
            seen.add(String.join(" ", started));
        }
        assertEquals(Arrays.asList(expected.split(";")), seen);
    }

    /**
     * Starts waiting behind busy slots, each of whose queries completes at once (as on a closed transport):
     * once the slots free, every one runs, one after another in a loop, not nested a hundred thousand deep.
     */
    @ParameterizedTest(name = "{0} starts through {1} slot(s)")
    @CsvSource(textBlock = """
            # starts | slots
              100000 | 1
              1000   | 4
            """, delimiter = '|')
    void startsThatFinishAtOnceAllRun(int starts, int slots) {
        QuerySlots q = new QuerySlots(slots);
        int[] depth = {0, 0};
        int[] ran = {0};
        for (int i = 0; i < slots; i++) {
            q.start(false, () -> { });
        }
        for (int i = 0; i < starts; i++) {
            q.start(false, () -> {
                ran[0]++;
                depth[0]++;
                depth[1] = Math.max(depth[1], depth[0]);
                q.release();
                depth[0]--;
            });
        }
        List<Integer> waited = List.of(ran[0], q.waiting());
        for (int i = 0; i < slots; i++) {
            q.release();
        }
        assertEquals(List.of(0, starts, starts, 1, 0), List.of(waited.get(0), waited.get(1), ran[0], depth[1], q.waiting()));
    }

    /**
     * The race the slots are built around, really run: threads start queries while others release slots, round
     * after round, each round ending idle (every slot free, nothing queued), so that the last release of a round,
     * the moment a lost wake-up strands a start for good, comes thousands of times. A start queued just as a
     * slot is released must still run (the start queues, then looks for a slot; a release frees one, then looks
     * at the queue), and no more queries run at once than there are slots. Each query holds its slot until a
     * releaser thread, not the one that started it, gives it back. Bounded: a stranded start fails its round.
     */
    @ParameterizedTest(name = "{0} slot(s), {1} starting threads, {2} releasing, {3} rounds of {4} starts each")
    @CsvSource(textBlock = """
            # slots | starters | releasers | rounds | starts each per round
              1     | 4        | 2         | 3000   | 3
              2     | 4        | 4         | 3000   | 3
              8     | 8        | 4         | 1000   | 8
            """, delimiter = '|')
    void concurrentStartsAndReleasesNeitherStrandAStartNorOverfillTheSlots(int slots, int starters, int releasers,
                                                                          int rounds, int startsEach) throws Exception {
        QuerySlots q = new QuerySlots(slots);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        BlockingQueue<Boolean> toRelease = new LinkedBlockingQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(starters + releasers);
        try {
            for (int t = 0; t < releasers; t++) {
                threads.execute(() -> {
                    try {
                        while (toRelease.take()) {
                            running.decrementAndGet();
                            q.release();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            for (int round = 1; round <= rounds; round++) {
                CountDownLatch ran = new CountDownLatch(starters * startsEach);
                for (int t = 0; t < starters; t++) {
                    threads.execute(() -> {
                        for (int i = 0; i < startsEach; i++) {
                            q.start(i % 2 == 0, () -> {
                                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                                ran.countDown();
                                toRelease.add(true);
                            });
                        }
                    });
                }
                // A guard against a hang, not a timing: a round takes well under a millisecond.
                assertTrue(ran.await(10, TimeUnit.SECONDS), "round " + round + ": " + ran.getCount()
                        + " start(s) never ran, " + q.waiting() + " queued, " + running.get() + " slot(s) held");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (running.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(List.of(0, 0), List.of(q.waiting(), running.get()), "starts queued, slots held at the end");
            assertTrue(most.get() <= slots, most.get() + " queries at once through " + slots + " slot(s)");
        } finally {
            for (int t = 0; t < releasers; t++) {
                toRelease.add(false);
            }
            threads.shutdownNow();
        }
    }
}
