package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the shutdown hook does when a signal comes: it stops the run, then holds the JVM until the run has
 * ended (its results written) or the wait's deadline passes, and only then says the results were not
 * written. The hook's body is run on a thread of the test's own: a real signal is sent to a child process in
 * {@code CheckCommandTest#aSignalWritesTheResultsAlreadyFinishedAndSaysHowMany}.
 */
class FlushOnSignalTest {

    @ParameterizedTest(name = "the run ends {0} ms after the signal, the wait is {1} ms")
    @CsvSource(delimiter = '|', textBlock = """
            # run ends after (ms; -1 never) | wait (ms) | the hook returns after (ms) | says the results were not written
            0                               | 5000      | 0                           | false
            300                             | 5000      | 300                         | false
            -1                              | 400       | 400                         | true
            """)
    void aSignalStopsTheRunAndWaitsForItsEndUpToTheDeadline(long endsAfterMs, long waitMs, long returnsAfterMs,
                                                            boolean saysNotWritten) throws Exception {
        AtomicInteger stops = new AtomicInteger();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        FlushOnSignal signal = new FlushOnSignal(stops::incrementAndGet, Duration.ofMillis(waitMs), err);
        try {
            assertFalse(signal.signalled());
            long start = System.nanoTime();
            Thread hook = Thread.ofPlatform().start(signal::onSignal);
            if (endsAfterMs >= 0) {
                Thread.sleep(endsAfterMs);
                signal.close();
            }
            hook.join(10_000);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertFalse(hook.isAlive());
            assertTrue(signal.signalled());
            assertEquals(1, stops.get(), "the run was stopped once");
            assertTrue(tookMs >= returnsAfterMs - 5 && tookMs < returnsAfterMs + 1_500, "the hook returned after " + tookMs + " ms");
            assertEquals(saysNotWritten, errBytes.toString(StandardCharsets.UTF_8).contains(
                    "stopped by a signal; the results finished were not written within"), errBytes::toString);
        } finally {
            signal.close();
        }
    }

    @Test
    void aRunThatEndedLeavesNoHookBehind() {
        FlushOnSignal signal = new FlushOnSignal(() -> { }, Duration.ofSeconds(1), System.err);
        signal.close();
        assertFalse(Runtime.getRuntime().removeShutdownHook(signal.hook), "the hook is still registered");
        assertFalse(signal.signalled());
    }
}
