package dev.mailcheck.jobs;

import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.verdict.CheckResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows of the results file as they are checked, kept as parts of the job from {@code first} on: one part
 * (a chunk's), or a new part each {@link JobWorkflow#PART_CHARS} (a whole list's), so memory holds one part at most.
 */
final class ResultParts {
    private final JobFiles files;
    private final String jobId;
    private final boolean cut;
    private final List<Integer> kept = new ArrayList<>();
    private int next;
    private StringWriter buffer;
    private ResultWriter writer;

    ResultParts(JobFiles files, String jobId, int first, boolean cut) {
        this.files = files;
        this.jobId = jobId;
        this.next = first;
        this.cut = cut;
        fresh();
    }

    private void fresh() {
        buffer = new StringWriter();
        writer = ResultWriter.of(ResultWriter.Format.CSV, buffer, null);
    }

    void write(CheckResult result) {
        writer.write(result);
        if (cut && buffer.getBuffer().length() >= JobWorkflow.PART_CHARS) {
            keep();
        }
    }

    /** @return the parts kept, in order (at least one, perhaps empty) */
    List<Integer> finish() {
        if (kept.isEmpty() || !buffer.getBuffer().isEmpty()) {
            keep();
        }
        return kept;
    }

    private void keep() {
        try {
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The writer starts each part with the header; the results file has it once, written by the assembly.
        String rows = buffer.toString();
        String header = ResultWriter.csvHeader();
        files.putPart(jobId, next, rows.startsWith(header) ? rows.substring(header.length()) : rows);
        kept.add(next++);
        fresh();
    }
}
