package dev.mailcheck.lists;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.mailcheck.SmtpReply;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.signals.Signals;
import dev.mailcheck.verdict.CheckResult;
import dev.mailcheck.verdict.ResultJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * One JSON object a line, in {@link ResultJson}'s shape, written by hand into one line of text: the mapper read
 * every record component by reflection, and a generator's call per field was still the largest part of the
 * writing thread's time in a 1,000,000-address run. What a domain's addresses share (the verdict and detail DNS gave
 * it, its MX list) is written once as text and copied for each address of the domain. The rarer
 * parts (SMTP report, security, the reply with its reference link) go through the mapper, so their shape stays
 * ResultJson's; JsonlWriterTest holds the two to the same bytes. A class of its own, beside {@link ResultWriter}'s CSV
 * and table, for the per-domain text tables only it keeps; {@link ResultWriter#of} makes it.
 */
final class JsonlWriter extends ResultWriter {
    private final ObjectWriter mapper;
    private final StringBuilder line = new StringBuilder(1024);
    private char[] chars = new char[1024];
    /** How many domains' fragments are kept apart (a power of two): the domains met last. */
    private static final int SLOTS = 1 << 14;
    private final Fragment[] verdicts = new Fragment[SLOTS];
    private final Fragment[] routes = new Fragment[SLOTS];
    private final Fragment[] replies = new Fragment[64];

    /**
     * The text written for {@code parts} (null until their second sighting), kept while a later result has the very
     * same parts: the addresses of a domain share its answer's objects. Compared by identity, as comparing long
     * details by content cost more than writing them.
     */
    private record Fragment(Object[] parts, String text) {
        boolean isFor(Object[] others) {
            for (int i = 0; i < parts.length; i++) {
                if (parts[i] != others[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    JsonlWriter(Writer out, IntFunction<String> replyLink) {
        super(out);
        mapper = ResultJson.mapper(replyLink).writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    }

    @Override
    void writeRecord(CheckResult r) throws IOException {
        StringBuilder b = line;
        b.setLength(0);
        b.append("{\"address\":");
        string(b, r.address());
        b.append(",\"normalized\":");
        string(b, r.normalized());
        int slot = r.domain() == null ? 0 : r.domain().hashCode() & (SLOTS - 1);
        b.append(",\"domain\":");
        string(b, r.domain());
        b.append(",\"domain_unicode\":");
        string(b, r.domainUnicode());
        b.append(",\"smtputf8\":").append(r.smtputf8());
        fragment(b, verdicts, slot, new Object[] {r.verdict(), r.reason(), r.detail(), r.predictedReply()},
                t -> {
                    t.append(",\"verdict\":");
                    string(t, r.verdict() == null ? null : r.verdict().code());
                    t.append(",\"reason\":");
                    string(t, r.reason() == null ? null : r.reason().code());
                    t.append(",\"detail\":");
                    string(t, r.detail());
                    t.append(",\"predicted_reply\":").append(reply(r.predictedReply()));
                });
        Signals s = r.signals();
        if (s != null) {
            b.append(",\"role\":").append(s.role()).append(",\"disposable\":").append(s.disposable())
                    .append(",\"free_provider\":").append(s.freeProvider()).append(",\"suggestion\":");
            if (s.suggestion() == null) {
                b.append("null");
            } else {
                b.append("{\"address\":");
                string(b, s.suggestion().address());
                b.append(",\"domain\":");
                string(b, s.suggestion().domain());
                b.append('}');
            }
        }
        fragment(b, routes, slot, new Object[] {r.mx(), r.mxFallback(), r.nullMxIgnored()}, t -> {
            t.append(",\"mx\":");
            mx(t, r.mx());
            t.append(",\"mx_fallback\":");
            string(t, r.mxFallback());
            t.append(",\"null_mx_ignored\":").append(r.nullMxIgnored());
        });
        b.append(",\"smtp\":").append(json(r.smtp()));
        b.append(",\"security\":").append(json(r.security()));
        b.append(",\"tries\":").append(r.tries()).append("}\n");
        if (chars.length < b.length()) {
            chars = new char[Math.max(b.length(), 2 * chars.length)];
        }
        b.getChars(0, b.length(), chars, 0);
        out.write(chars, 0, b.length());
    }

    /**
     * Appends the text for these parts to {@code b}: copied from {@code slot} when it holds it, else written by
     * {@code write}. A domain's text is kept from its second sighting on, so that the many domains a list
     * names once cost only the look.
     */
    private static void fragment(StringBuilder b, Fragment[] kept, int slot, Object[] parts,
                                 Consumer<StringBuilder> write) {
        Fragment f = kept[slot];
        if (f != null && f.isFor(parts) && f.text() != null) {
            b.append(f.text());
            return;
        }
        int start = b.length();
        write.accept(b);
        kept[slot] = new Fragment(parts, f != null && f.isFor(parts) ? b.substring(start) : null);
    }

    private static void mx(StringBuilder t, List<MxHost> hosts) {
        if (hosts == null) {
            t.append("null");
            return;
        }
        t.append('[');
        for (int i = 0; i < hosts.size(); i++) {
            MxHost h = hosts.get(i);
            t.append(i == 0 ? "{\"preference\":" : ",{\"preference\":").append(h.preference()).append(",\"host\":");
            string(t, h.host());
            t.append(",\"addresses\":");
            if (h.addresses() == null) {
                t.append("null");
            } else {
                t.append('[');
                for (int j = 0; j < h.addresses().size(); j++) {
                    if (j > 0) {
                        t.append(',');
                    }
                    string(t, h.addresses().get(j));
                }
                t.append(']');
            }
            t.append('}');
        }
        t.append(']');
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * A JSON string as Jackson's generator writes it with the mapper's defaults: quote and backslash escaped, the
     * control characters as \b \t \n \f \r or \\u00XX, everything else (non-ASCII included) as it is.
     */
    static void string(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            b.append(s, from, i).append('\\');
            switch (c) {
                case '"', '\\' -> b.append(c);
                case '\b' -> b.append('b');
                case '\t' -> b.append('t');
                case '\n' -> b.append('n');
                case '\f' -> b.append('f');
                case '\r' -> b.append('r');
                default -> b.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
            from = i + 1;
        }
        b.append(s, from, s.length()).append('"');
    }

    /** The predicted reply as the mapper writes it (with its reference link); few distinct replies per run. */
    private String reply(SmtpReply reply) {
        int slot = Objects.hashCode(reply) & (replies.length - 1);
        Fragment f = replies[slot];
        if (f == null || !Objects.equals(f.parts()[0], reply)) { // equal replies: an SMTP probe makes its own
            f = new Fragment(new Object[] {reply}, json(reply));
            replies[slot] = f;
        }
        return f.text();
    }

    /** A rarer part as the mapper writes it ("null" for none). */
    private String json(Object value) {
        if (value == null) {
            return "null";
        }
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
