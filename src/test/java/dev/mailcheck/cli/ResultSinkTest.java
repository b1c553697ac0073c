package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.verdict.CheckResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The first write error stops the run and is what the command reports; no result counts as written (in the
 * summary, on the progress bar) that the writer did not take, and nothing is written after the error. An error
 * that only shows when the output is flushed or closed still fails the run.
 */
class ResultSinkTest {

    private static final int RESULTS = 200;

    /** An output that fails as a full disk does: at its {@code failAtWrite}-th write (0: never), flush or close. */
    private static final class Disk extends OutputStream {
        final IOException full = new IOException("No space left on device");
        final StringBuilder kept = new StringBuilder();
        final int failAtWrite;
        final boolean failAtFlush;
        final boolean failAtClose;
        int writes;

        Disk(int failAtWrite, boolean failAtFlush, boolean failAtClose) {
            this.failAtWrite = failAtWrite;
            this.failAtFlush = failAtFlush;
            this.failAtClose = failAtClose;
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            if (++writes == failAtWrite || failAtWrite > 0 && writes > failAtWrite) {
                throw full;
            }
            kept.append(new String(buf, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void flush() throws IOException {
            if (failAtFlush) {
                throw full;
            }
        }

        @Override
        public void close() throws IOException {
            if (failAtClose) {
                throw full;
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                   | format | fail at write | at flush | at close | all written | closes well
            the output takes everything              | JSONL  | 0             | false    | false    | true        | true
            a full disk at the first write           | JSONL  | 1             | false    | false    | false       | false
            a full disk at a later write             | CSV    | 30            | false    | false    | false       | false
            a full disk seen only at the flush       | JSONL  | 0             | true     | false    | true        | false
            a full disk seen only at the close       | CSV    | 0             | false    | true     | true        | false
            """)
    void theFirstWriteErrorStopsTheRunAndNothingCountsThatWasNotWritten(String name, ResultWriter.Format format,
            int failAtWrite, boolean failAtFlush, boolean failAtClose, boolean allWritten, boolean closesWell) {
        Disk disk = new Disk(failAtWrite, failAtFlush, failAtClose);
        Summary summary = new Summary();
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("checking").setInitialMax(-1)
                .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(new ByteArrayOutputStream()))).build()) {
            ResultSink sink = new ResultSink(format, disk, summary, bar);
            for (int i = 0; i < RESULTS; i++) {
                sink.accept(CheckResult.invalid("line " + i, "not an address"));
            }
            // Written on the sink's own thread: what it did is known once close() has waited for it.
            assertEquals(closesWell, sink.close());
            assertEquals(allWritten, sink.written() == RESULTS, "written: " + sink.written());
            assertEquals(!allWritten, sink.stop.isDone(), "the run was told to stop");
            if (closesWell) {
                assertNull(sink.failure());
                assertEquals(RESULTS, disk.kept.toString().lines().filter(l -> l.contains("line ")).count());
            } else {
                assertSame(disk.full, sink.failure(), "the error reported is the output's own");
            }
            assertEquals(sink.written(), summary.total(), "the summary counts what was written");
            assertEquals(sink.written(), bar.getCurrent(), "the progress bar counts what was written");
            // Nothing after the error: the writes that failed are the only ones the output saw after it.
            assertTrue(failAtWrite == 0 || disk.writes == failAtWrite, "writes after the error: " + disk.writes);
        }
    }
}
