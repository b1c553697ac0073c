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
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * One JSON object a line, in {@link ResultJson}'s shape, written by hand into one line of text: the mapper read
 * every record component by reflection, and a generator's call per field was still the largest part of the
 * writing thread's time in a 1,000,000-address run. What a domain's addresses share (the verdict and detail DNS gave
 * it, its MX list) is written once as text and copied for each address of the domain. The rarer
 * parts (SMTP report, security, the reply with its reference link) go through the mapper, so their shape stays
 * ResultJson's; JsonlWriterTest holds the two to the same bytes. Written as UTF-8 bytes straight into the output
 * stream: a char buffer copied into a Writer that encoded it again was a tenth of the main thread's time. A class of
 * its own, beside {@link ResultWriter}'s CSV and table, for the per-domain text tables only it keeps;
 * {@link ResultWriter#of} makes it.
 */
final class JsonlWriter extends ResultWriter {
    /**
     * How many domains' fragments each table keeps (a power of two). On the 1,000,000-address bench list (Zipf over
     * 80,546 domains) 16,384 slots, each taken by whichever domain came last, copied 65% of the fragments; 32,768
     * with a second chance for the fragment in a slot copy 76% (92% is the most: a domain's first address writes).
     */
    private static final int SLOTS = 1 << 15;
    /**
     * The most bytes of text a table keeps, so the tables' memory is bounded whatever the details and MX lists
     * are: 2 × (16 MiB of text + 32,768 entries of under 100 bytes) ≤ 40 MiB. The bench list's texts take 4-9 MiB;
     * a list of one address per domain keeps none (text is kept from a domain's second sighting).
     */
    private static final int KEPT_BYTES = 16 << 20;

    private final OutputStream stream;
    private final Writer chars;
    private final ObjectWriter mapper;
    /** The record being written, as UTF-8: {@code buf[0..len)}. */
    private byte[] buf = new byte[1024];
    private int len;
    private final Table verdicts = new Table(SLOTS);
    private final Table routes = new Table(SLOTS);
    private final Table replies = new Table(64);

    /**
     * The text written for parts {@code a} to {@code d} (null at their first sighting, so that the many domains a
     * list names once cost no copy and no memory), kept while a later result has the very same parts: the
     * addresses of a domain share its answer's objects. Compared by identity, as comparing long details by content
     * cost more than writing them. The parts are fields, not an array: one object less to allocate and to reach.
     */
    private static final class Fragment {
        final Object a;
        final Object b;
        final Object c;
        final Object d;
        final byte[] text;
        /** Copied since it was kept, or since a miss on its slot last spared it. */
        boolean used;

        Fragment(Object a, Object b, Object c, Object d, byte[] text) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.d = d;
            this.text = text;
        }

        boolean isFor(Object a, Object b, Object c, Object d) {
            return this.a == a && this.b == b && this.c == c && this.d == d;
        }
    }

    /**
     * Fragments by slot. A miss replaces the fragment in its slot only if that was not copied since it was kept or
     * last spared (a second chance): else the many domains a list names once or twice would push out, in turn, the
     * popular domain that shares their slot.
     */
    private static final class Table {
        final Fragment[] slots;
        long keptBytes;

        Table(int size) {
            slots = new Fragment[size];
        }
    }

    /** Writes each record's bytes into {@code out} (buffered by the caller) in one call. */
    JsonlWriter(OutputStream out, IntFunction<String> replyLink) {
        this(out, null, replyLink);
    }

    /** Writes each record as text into {@code out}, for callers that have a Writer; the bytes are the same. */
    JsonlWriter(Writer out, IntFunction<String> replyLink) {
        this(null, out, replyLink);
    }

    private JsonlWriter(OutputStream stream, Writer chars, IntFunction<String> replyLink) {
        this.stream = stream;
        this.chars = chars;
        mapper = ResultJson.mapper(replyLink).writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] ADDRESS = ascii("{\"address\":");
    private static final byte[] NORMALIZED = ascii(",\"normalized\":");
    private static final byte[] DOMAIN = ascii(",\"domain\":");
    private static final byte[] DOMAIN_UNICODE = ascii(",\"domain_unicode\":");
    private static final byte[] SMTPUTF8 = ascii(",\"smtputf8\":");
    private static final byte[] VERDICT = ascii(",\"verdict\":");
    private static final byte[] REASON = ascii(",\"reason\":");
    private static final byte[] DETAIL = ascii(",\"detail\":");
    private static final byte[] PREDICTED_REPLY = ascii(",\"predicted_reply\":");
    private static final byte[] ROLE = ascii(",\"role\":");
    private static final byte[] DISPOSABLE = ascii(",\"disposable\":");
    private static final byte[] FREE_PROVIDER = ascii(",\"free_provider\":");
    private static final byte[] SUGGESTION = ascii(",\"suggestion\":");
    private static final byte[] SUGGESTED_ADDRESS = ascii("{\"address\":");
    private static final byte[] MX = ascii(",\"mx\":");
    private static final byte[] PREFERENCE = ascii("{\"preference\":");
    private static final byte[] HOST = ascii(",\"host\":");
    private static final byte[] ADDRESSES = ascii(",\"addresses\":");
    private static final byte[] MX_FALLBACK = ascii(",\"mx_fallback\":");
    private static final byte[] NULL_MX_IGNORED = ascii(",\"null_mx_ignored\":");
    private static final byte[] SMTP = ascii(",\"smtp\":");
    private static final byte[] SECURITY = ascii(",\"security\":");
    private static final byte[] TRIES = ascii(",\"tries\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");

    @Override
    void writeRecord(CheckResult r) throws IOException {
        len = 0;
        raw(ADDRESS);
        int from = len;
        string(r.address());
        int to = len;
        raw(NORMALIZED);
        string(r.normalized(), r.address(), from, to);
        int slot = r.domain() == null ? 0 : spread(r.domain().hashCode());
        raw(DOMAIN);
        from = len;
        string(r.domain());
        to = len;
        raw(DOMAIN_UNICODE);
        string(r.domainUnicode(), r.domain(), from, to);
        raw(SMTPUTF8);
        bool(r.smtputf8());
        if (!copied(verdicts, slot, r.verdict(), r.reason(), r.detail(), r.predictedReply())) {
            int start = len;
            raw(VERDICT);
            string(r.verdict() == null ? null : r.verdict().code());
            raw(REASON);
            string(r.reason() == null ? null : r.reason().code());
            raw(DETAIL);
            string(r.detail());
            raw(PREDICTED_REPLY);
            raw(reply(r.predictedReply()));
            keep(verdicts, slot, r.verdict(), r.reason(), r.detail(), r.predictedReply(), start);
        }
        Signals s = r.signals();
        if (s != null) {
            raw(ROLE);
            bool(s.role());
            raw(DISPOSABLE);
            bool(s.disposable());
            raw(FREE_PROVIDER);
            bool(s.freeProvider());
            raw(SUGGESTION);
            if (s.suggestion() == null) {
                raw(NULL);
            } else {
                raw(SUGGESTED_ADDRESS);
                string(s.suggestion().address());
                raw(DOMAIN);
                string(s.suggestion().domain());
                ascii('}');
            }
        }
        Boolean nullMxIgnored = r.nullMxIgnored(); // Boolean.TRUE or FALSE: the same object for the same value
        if (!copied(routes, slot, r.mx(), r.mxFallback(), nullMxIgnored, null)) {
            int start = len;
            raw(MX);
            mx(r.mx());
            raw(MX_FALLBACK);
            string(r.mxFallback());
            raw(NULL_MX_IGNORED);
            bool(r.nullMxIgnored());
            keep(routes, slot, r.mx(), r.mxFallback(), nullMxIgnored, null, start);
        }
        raw(SMTP);
        part(r.smtp());
        raw(SECURITY);
        part(r.security());
        raw(TRIES);
        number(r.tries());
        ascii('}');
        ascii('\n');
        if (stream != null) {
            stream.write(buf, 0, len);
        } else {
            chars.write(new String(buf, 0, len, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void flush() throws IOException {
        if (stream != null) {
            stream.flush();
        } else {
            chars.flush();
        }
    }

    /** The slot of a domain's hash: its high bits mixed in, as HashMap does, so similar names spread. */
    private static int spread(int hash) {
        return (hash ^ hash >>> 16) & (SLOTS - 1);
    }

    /** Appends the text kept in {@code slot} for these parts, if it is kept there. */
    private boolean copied(Table table, int slot, Object a, Object b, Object c, Object d) {
        Fragment f = table.slots[slot];
        if (f == null || f.text == null || !f.isFor(a, b, c, d)) {
            return false;
        }
        f.used = true;
        raw(f.text);
        return true;
    }

    /**
     * After a miss: notes these parts in {@code slot}, or keeps the text written from {@code start} for them when
     * they are noted there already; unless the slot's own fragment gets another chance.
     */
    private void keep(Table table, int slot, Object a, Object b, Object c, Object d, int start) {
        Fragment f = table.slots[slot];
        if (f != null && f.used) {
            f.used = false;
            return;
        }
        if (f == null || !f.isFor(a, b, c, d)) {
            table.slots[slot] = new Fragment(a, b, c, d, null);
            table.keptBytes -= f == null || f.text == null ? 0 : f.text.length;
            return;
        }
        if (table.keptBytes + (len - start) <= KEPT_BYTES) {
            table.slots[slot] = new Fragment(a, b, c, d, Arrays.copyOfRange(buf, start, len));
            table.keptBytes += len - start;
        }
    }

    private void mx(List<MxHost> hosts) {
        if (hosts == null) {
            raw(NULL);
            return;
        }
        ascii('[');
        for (int i = 0; i < hosts.size(); i++) {
            MxHost h = hosts.get(i);
            if (i > 0) {
                ascii(',');
            }
            raw(PREFERENCE);
            number(h.preference());
            raw(HOST);
            string(h.host());
            raw(ADDRESSES);
            if (h.addresses() == null) {
                raw(NULL);
            } else {
                ascii('[');
                for (int j = 0; j < h.addresses().size(); j++) {
                    if (j > 0) {
                        ascii(',');
                    }
                    string(h.addresses().get(j));
                }
                ascii(']');
            }
            ascii('}');
        }
        ascii(']');
    }

    private void ensure(int more) {
        if (buf.length - len < more) {
            buf = Arrays.copyOf(buf, Math.max(len + more, 2 * buf.length));
        }
    }

    private void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, len, bytes.length);
        len += bytes.length;
    }

    private void ascii(char c) {
        ensure(1);
        buf[len++] = (byte) c;
    }

    private void bool(boolean b) {
        raw(b ? TRUE : FALSE);
    }

    private void number(int n) {
        if (n >= 0 && n < 10) {
            ascii((char) ('0' + n));
        } else {
            raw(ascii(Integer.toString(n)));
        }
    }

    private static final byte[] HEX = ascii("0123456789ABCDEF");

    /**
     * A JSON string as Jackson's generator writes it with the mapper's defaults (quote and backslash escaped, the
     * control characters as \b \t \n \f \r or \\u00XX, everything else as it is), in UTF-8 as the output's
     * encoder wrote that text: a surrogate without its pair as '?'. Plain ASCII, nearly every string, is one test
     * and one store a char, in a loop small enough for the compiler to inline the String's reads into.
     */
    private void string(String s) {
        if (s == null) {
            raw(NULL);
            return;
        }
        int n = s.length();
        ensure(2 + 6 * n); // at most \\u00XX (6 bytes) a char; UTF-8 takes at most 3 bytes a char
        byte[] b = buf;
        int p = len;
        b[p++] = '"';
        int i = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                break;
            }
            b[p++] = (byte) c;
        }
        if (i < n) {
            p = escaped(s, i, b, p);
        }
        b[p++] = '"';
        len = p;
    }

    /** The rest of {@code s} from {@code i}, written at {@code p} in {@code b}; returns where it ends. */
    private static int escaped(String s, int i, byte[] b, int p) {
        for (int n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                b[p++] = (byte) c;
            } else if (c < 0x20 || c == '"' || c == '\\') {
                b[p++] = '\\';
                switch (c) {
                    case '"', '\\' -> b[p++] = (byte) c;
                    case '\b' -> b[p++] = 'b';
                    case '\t' -> b[p++] = 't';
                    case '\n' -> b[p++] = 'n';
                    case '\f' -> b[p++] = 'f';
                    case '\r' -> b[p++] = 'r';
                    default -> {
                        b[p++] = 'u';
                        b[p++] = '0';
                        b[p++] = '0';
                        b[p++] = HEX[c >> 4];
                        b[p++] = HEX[c & 0xf];
                    }
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xc0 | c >> 6);
                b[p++] = (byte) (0x80 | c & 0x3f);
            } else if (!Character.isSurrogate(c)) {
                b[p++] = (byte) (0xe0 | c >> 12);
                b[p++] = (byte) (0x80 | c >> 6 & 0x3f);
                b[p++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                b[p++] = (byte) (0xf0 | cp >> 18);
                b[p++] = (byte) (0x80 | cp >> 12 & 0x3f);
                b[p++] = (byte) (0x80 | cp >> 6 & 0x3f);
                b[p++] = (byte) (0x80 | cp & 0x3f);
            } else {
                b[p++] = '?';
            }
        }
        return p;
    }

    /**
     * {@code s} as {@link #string} writes it, copied from the bytes written from {@code from} when it is
     * {@code before} (most addresses are their normalized form, most domains their Unicode form).
     */
    private void string(String s, String before, int from, int to) {
        if (s != null && s.equals(before)) {
            ensure(to - from);
            System.arraycopy(buf, from, buf, len, to - from);
            len += to - from;
        } else {
            string(s);
        }
    }

    /** The predicted reply as the mapper writes it (with its reference link); few distinct replies per run. */
    private byte[] reply(SmtpReply reply) {
        int slot = Objects.hashCode(reply) & (replies.slots.length - 1);
        Fragment f = replies.slots[slot];
        if (f == null || !Objects.equals(f.a, reply)) { // equal replies: an SMTP probe makes its own
            f = new Fragment(reply, null, null, null, utf8(json(reply)));
            replies.slots[slot] = f;
        }
        return f.text;
    }

    /** A rarer part as the mapper writes it ("null" for none). */
    private void part(Object value) {
        raw(value == null ? NULL : utf8(json(value)));
    }

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

    /** As the output's UTF-8 encoder writes text: a surrogate without its pair as '?'. */
    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
