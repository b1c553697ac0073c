package dev.mailcheck.lists;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mailcheck.SmtpReply;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.dns.TransportSecurity;
import dev.mailcheck.signals.Signals;
import dev.mailcheck.verdict.CheckResult;
import dev.mailcheck.verdict.ResultJson;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/** Writes results as they come, one output record per result. */
public abstract sealed class ResultWriter {

    public enum Format { JSONL, CSV, TABLE }

    protected final Writer out;

    private ResultWriter(Writer out) {
        this.out = out;
    }

    /** @param replyLink where a reply code is explained (JSONL's {@code reference}), null where nowhere */
    public static ResultWriter of(Format format, Writer out, IntFunction<String> replyLink) {
        return switch (format) {
            case JSONL -> new Jsonl(out, replyLink);
            case CSV -> new Csv(out);
            case TABLE -> new Table(out);
        };
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

    public void flush() throws IOException {
        out.flush();
    }

    /**
     * One JSON object a line, in {@link ResultJson}'s shape, through one streaming generator. The fields of a result
     * and its MX hosts are written here by hand: the mapper read every record component by reflection and built a
     * string per result, the largest part of the reading thread's time in a 1,000,000-address run. The rarer parts
     * (SMTP report, security, the reply with its reference link) still go through the mapper, so their shape
     * stays ResultJson's; ResultWriterTest holds the two to the same bytes.
     */
    private static final class Jsonl extends ResultWriter {
        private final JsonGenerator gen;
        /** The shared mapper's factory, so that text kept aside is written as {@link #gen} writes it. */
        private final JsonFactory factory;
        private final ObjectWriter mapper;
        /** The predicted reply as the mapper writes it (with its reference link); few distinct replies per run. */
        private final Cache<SmtpReply, String> replies = Caffeine.newBuilder().maximumSize(1_000)
                .expireAfterAccess(Duration.ofHours(1)).build();
        /** How many domains' MX lists {@link #writeMx} keeps apart (a power of two). */
        private static final int MX_SLOTS = 4096;
        private final Object[] mxSeen = new Object[MX_SLOTS];
        private final String[] mxJson = new String[MX_SLOTS];

        Jsonl(Writer out, IntFunction<String> replyLink) {
            super(out);
            ObjectMapper shape = ResultJson.mapper(replyLink);
            mapper = shape.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
            factory = shape.getFactory();
            try {
                gen = factory.createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            gen.setRootValueSeparator(null); // the records are separated by the newline written after each
        }

        @Override
        void writeRecord(CheckResult r) throws IOException {
            gen.writeStartObject();
            gen.writeStringField("address", r.address());
            gen.writeStringField("normalized", r.normalized());
            gen.writeStringField("domain", r.domain());
            gen.writeStringField("domain_unicode", r.domainUnicode());
            gen.writeBooleanField("smtputf8", r.smtputf8());
            gen.writeStringField("verdict", r.verdict() == null ? null : r.verdict().code());
            gen.writeStringField("reason", r.reason() == null ? null : r.reason().code());
            gen.writeStringField("detail", r.detail());
            field("predicted_reply", r.predictedReply(), reply -> gen.writeRawValue(replies.get(reply, this::json)));
            Signals s = r.signals();
            if (s != null) {
                gen.writeBooleanField("role", s.role());
                gen.writeBooleanField("disposable", s.disposable());
                gen.writeBooleanField("free_provider", s.freeProvider());
                field("suggestion", s.suggestion(), suggestion -> {
                    gen.writeStartObject();
                    gen.writeStringField("address", suggestion.address());
                    gen.writeStringField("domain", suggestion.domain());
                    gen.writeEndObject();
                });
            }
            field("mx", r.mx(), this::writeMx);
            gen.writeStringField("mx_fallback", r.mxFallback());
            gen.writeBooleanField("null_mx_ignored", r.nullMxIgnored());
            gen.writeFieldName("smtp");
            mapper.writeValue(gen, r.smtp());
            gen.writeFieldName("security");
            mapper.writeValue(gen, r.security());
            gen.writeNumberField("tries", r.tries());
            gen.writeEndObject();
            gen.writeRaw('\n');
        }

        /**
         * A domain's MX list as its addresses share it (one list object per domain's answer): written out the first
         * time, kept as JSON text the second, and copied from there from then on. The list is matched by identity in a
         * table of {@link #MX_SLOTS} (the domains met last), so that a list of one address per domain pays only the
         * look.
         */
        private void writeMx(List<MxHost> hosts) throws IOException {
            int slot = System.identityHashCode(hosts) & (MX_SLOTS - 1);
            if (mxSeen[slot] != hosts) {
                mxSeen[slot] = hosts;
                mxJson[slot] = null;
                writeMx(gen, hosts);
                return;
            }
            if (mxJson[slot] == null) {
                StringWriter text = new StringWriter();
                try (JsonGenerator g = factory.createGenerator(text)) {
                    writeMx(g, hosts);
                }
                mxJson[slot] = text.toString();
            }
            gen.writeRawValue(mxJson[slot]);
        }

        private static void writeMx(JsonGenerator g, List<MxHost> hosts) throws IOException {
            g.writeStartArray();
            for (MxHost h : hosts) {
                g.writeStartObject();
                g.writeNumberField("preference", h.preference());
                g.writeStringField("host", h.host());
                g.writeFieldName("addresses");
                if (h.addresses() == null) {
                    g.writeNull();
                } else {
                    g.writeStartArray();
                    for (String a : h.addresses()) {
                        g.writeString(a);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        }

        /** A field whose value is written by {@code write}, or null as the mapper writes a missing one. */
        private <T> void field(String name, T value, ValueWriter<T> write) throws IOException {
            gen.writeFieldName(name);
            if (value == null) {
                gen.writeNull();
            } else {
                write.write(value);
            }
        }

        private interface ValueWriter<T> {
            void write(T value) throws IOException;
        }

        private String json(SmtpReply reply) {
            try {
                return mapper.writeValueAsString(reply);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void flush() throws IOException {
            gen.flush();
        }
    }

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
            super(out);
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

        Table(Writer out) {
            super(out);
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

        private static String cut(String s, int width) {
            String oneLine = s.replaceAll("\\p{Cntrl}", "?");
            return oneLine.length() <= width ? oneLine : oneLine.substring(0, width - 1) + "…";
        }
    }
}
