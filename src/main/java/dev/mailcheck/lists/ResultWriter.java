package dev.mailcheck.lists;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.dns.TransportSecurity;
import dev.mailcheck.signals.Signals;
import dev.mailcheck.verdict.CheckResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/** Writes results as they come, one output record per result. */
public abstract sealed class ResultWriter permits JsonlWriter, ResultWriter.Csv, ResultWriter.Table {

    public enum Format { JSONL, CSV, TABLE }

    /** @param replyLink where a reply code is explained (JSONL's {@code reference}), null where nowhere */
    public static ResultWriter of(Format format, Writer out, IntFunction<String> replyLink) {
        return switch (format) {
            case JSONL -> new JsonlWriter(out, replyLink);
            case CSV -> new Csv(out);
            case TABLE -> new Table(out);
        };
    }

    /**
     * Writing UTF-8 into {@code out}, which the caller buffers: JSONL writes its bytes itself, CSV and the table
     * through an encoder.
     */
    public static ResultWriter of(Format format, OutputStream out, IntFunction<String> replyLink) {
        return format == Format.JSONL ? new JsonlWriter(out, replyLink)
                : of(format, new OutputStreamWriter(out, StandardCharsets.UTF_8), replyLink);
    }

    /**
     * The header line CSV output starts with: a results file assembled from parts (rows only) writes it once,
     * first.
     */
    public static String csvHeader() {
        StringBuilder header = new StringBuilder();
        for (CsvSchema.Column c : Csv.SCHEMA) {
            header.append(header.isEmpty() ? "" : ",").append(c.getName());
        }
        return header.append('\n').toString();
    }

    public final void write(CheckResult result) {
        try {
            writeRecord(result);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    abstract void writeRecord(CheckResult result) throws IOException;

    /** Hands everything written so far to the output, and flushes it. */
    public abstract void flush() throws IOException;

    /**
     * Flat columns; the MX list becomes "10 mx1.example.com; 20 mx2.example.com", the suggestion its
     * corrected address; the security columns are empty unless the report was asked for. Opened in a
     * spreadsheet, a cell that starts with = + - @, a tab or a CR would be run as a formula (addresses and
     * details carry input as given): such cells get a leading single quote and are quoted, as OWASP's
     * CSV-injection guidance says. The CSV encoder quotes every cell holding a character below its
     * separator, so the quote character brings the enclosing quotes with it.
     */
    private static final class Csv extends ResultWriter {
        private static final CsvSchema SCHEMA = CsvSchema.builder()
                .addColumns(List.of("address", "normalized", "domain", "verdict", "reason", "detail", "predicted_code",
                        "predicted_enhanced", "role", "disposable", "free_provider", "suggestion", "mx", "mx_fallback",
                        "dnssec", "dane", "mta_sts", "tls_rpt", "tries"),
                        CsvSchema.ColumnType.STRING)
                .setUseHeader(true)
                .build();
        private final SequenceWriter rows;

        Csv(Writer out) {
            try {
                rows = new CsvMapper().writerFor(Object[].class).with(SCHEMA).writeValues(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        void writeRecord(CheckResult r) throws IOException {
            String mx = r.mx().stream().map(h -> h.preference() + " " + h.host()).collect(Collectors.joining("; "));
            Signals s = r.signals();
            TransportSecurity t = r.security();
            rows.write(new Object[] {cell(r.address()), cell(r.normalized()), cell(r.domain()), r.verdict().code(),
                    r.reason().code(), cell(r.detail()), r.predictedReply().code(), r.predictedReply().enhanced(), s.role(),
                    s.disposable(), s.freeProvider(), s.suggestion() == null ? null : cell(s.suggestion().address()),
                    cell(mx), r.mxFallback(), t == null ? null : t.dnssec().code(), t == null ? null : t.dane(),
                    t == null ? null : t.mtaSts(), t == null ? null : t.tlsRpt(), r.tries()});
        }

        static String cell(String value) {
            return value == null || value.isEmpty() || "=+-@\t\r".indexOf(value.charAt(0)) < 0 ? value : "'" + value;
        }

        @Override
        public void flush() throws IOException {
            rows.flush();
        }
    }

    /** For a person at a terminal: fixed columns, long values cut; a typo suggestion before the detail. */
    private static final class Table extends ResultWriter {
        private static final String ROW = "%-13s  %-16s  %-12s  %-36s  %-20s  %s%n";
        private final Writer out;

        Table(Writer out) {
            this.out = out;
            try {
                out.write(String.format(ROW, "VERDICT", "REASON", "REPLY", "ADDRESS", "SIGNALS", "MAIL HOST / DETAIL"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        void writeRecord(CheckResult r) throws IOException {
            Signals s = r.signals();
            String where = s.suggestion() != null ? "did you mean " + s.suggestion().address() + "? " + r.detail()
                    : r.mx().stream().filter(h -> !h.addresses().isEmpty()).map(MxHost::host).findFirst()
                            .orElse(r.detail());
            List<String> flags = new ArrayList<>();
            if (s.role()) {
                flags.add("role");
            }
            if (s.disposable()) {
                flags.add("disposable");
            }
            if (s.freeProvider()) {
                flags.add("free");
            }
            out.write(String.format(ROW, r.verdict().code(), r.reason().code(), r.predictedReply(),
                    cut(r.address(), 36), flags.isEmpty() ? "-" : String.join(",", flags), where));
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        private static String cut(String s, int width) {
            String oneLine = s.replaceAll("\\p{Cntrl}", "?");
            return oneLine.length() <= width ? oneLine : oneLine.substring(0, width - 1) + "…";
        }
    }
}
