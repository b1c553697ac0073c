package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The exit statuses of {@code checker check} tell apart what ended a run: in particular a JVM that ran out of
 * memory (the launcher's {@code -XX:+ExitOnOutOfMemoryError}, whose status the JVM fixes) from an input that
 * broke off.
 */
class ExitStatusTest {

    /** Allocates until the heap is gone, as a run over a list too big for it would. */
    public static final class RunsOutOfMemory {
        public static void main(String[] args) {
            List<long[]> held = new ArrayList<>();
            while (true) {
                held.add(new long[1 << 16]);
            }
        }
    }

    @Test
    void outOfMemoryHasAnExitStatusOfItsOwn() throws IOException, InterruptedException {
        assertTrue(Files.readString(Path.of("checker")).contains("-XX:+ExitOnOutOfMemoryError"),
                "the launcher ends the JVM on OutOfMemoryError");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+ExitOnOutOfMemoryError", "-Xmx16m", "-cp", System.getProperty("java.class.path"),
                RunsOutOfMemory.class.getName()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM ended"); // a guard against a hang, not a timing
        String out = new String(p.getInputStream().readAllBytes());
        int outOfMemory = p.exitValue();
        assertTrue(out.contains("OutOfMemoryError"), out);
        List<Integer> others = List.of(0, CheckCommand.OUTPUT_FAILED, CommandLine.ExitCode.USAGE,
                CheckCommand.INPUT_BROKE_OFF, CheckCommand.STOPPED, 143);
        assertEquals(false, others.contains(outOfMemory), "out of memory exits " + outOfMemory + ", as does one of "
                + others);
        assertTrue(Files.readString(Path.of("README.md")).contains(outOfMemory + " when the JVM ran out of memory"),
                "the README names the status");
    }
}
