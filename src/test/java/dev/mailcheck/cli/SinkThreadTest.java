package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every item reaches the downstream consumer, in order, on the sink's own thread, and close() returns only once
 * it has; a defect downstream reaches the caller, who is never left waiting on a queue nobody takes from.
 */
class SinkThreadTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                    | items   | downstream pauses (µs per item)
            nothing handed on                         | 0       | 0
            fewer than the queue holds                | 100     | 0
            many times what the queue holds           | 200000  | 0
            a downstream slower than the caller       | 2000    | 50
            """)
    void everyItemArrivesInOrderOnTheSinksThreadBeforeCloseReturns(String name, long items, long pauseMicros) {
        List<Long> seen = new ArrayList<>();
        List<String> threads = new ArrayList<>();
        assertTimeoutPreemptively(BOUND, () -> {
            try (SinkThread<Long> sink = new SinkThread<>("test-sink", item -> {
                if (pauseMicros > 0) {
                    LockSupport.parkNanos(pauseMicros * 1_000);
                }
                if (seen.isEmpty()) {
                    threads.add(Thread.currentThread().getName());
                }
                seen.add(item);
            })) {
                LongStream.range(0, items).forEach(sink::accept);
            }
        });
        assertEquals(LongStream.range(0, items).boxed().toList(), seen);
        if (items > 0) {
            assertEquals(List.of("test-sink"), threads);
            assertNotEquals(Thread.currentThread().getName(), threads.getFirst());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                          | defect at item | items handed on
            a defect at the first item, one item in all     | 0              | 1
            a defect early, many queues of items after it  | 10             | 50000
            a defect at the last item                       | 999            | 1000
            """)
    void aDefectDownstreamReachesTheCallerWhoIsNeverLeftWaiting(String name, long defectAt, long items) {
        IllegalStateException defect = new IllegalStateException("a defect in the writer");
        List<Long> seen = new ArrayList<>();
        RuntimeException thrown = assertTimeoutPreemptively(BOUND, () -> assertThrows(IllegalStateException.class, () -> {
            try (SinkThread<Long> sink = new SinkThread<>("test-sink", item -> {
                if (item == defectAt) {
                    throw defect;
                }
                seen.add(item);
            })) {
                LongStream.range(0, items).forEach(sink::accept);
            }
        }));
        assertSame(defect, thrown);
        assertEquals(LongStream.range(0, defectAt).boxed().toList(), seen, "nothing after the defect");
    }

    @Test
    void anErrorDownstreamIsThrownAsItIs() {
        StackOverflowError error = new StackOverflowError("deep");
        SinkThread<String> s = new SinkThread<>("test-sink", item -> {
            throw error;
        });
        s.accept("x");
        assertSame(error, assertTimeoutPreemptively(BOUND, () -> assertThrows(StackOverflowError.class, s::close)));
        s.close(); // thrown once: a second close, as a try-with-resources after a throw makes, is quiet
    }
}
