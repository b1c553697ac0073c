package dev.mailcheck.lists;

import static dev.mailcheck.lists.JsonLine.NULL;
import static dev.mailcheck.lists.JsonLine.ascii;
import static dev.mailcheck.lists.JsonLine.utf8;

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
import java.util.function.IntFunction;

/**
 * One JSON object a line, in {@link ResultJson}'s shape, written by hand into one line of text: the mapper read
 * every record component by reflection, and a generator's call per field was still the largest part of the
 * writing thread's time in a 1,000,000-address run. What a domain's addresses share (the verdict and detail DNS gave
 * it, its MX list) is written once as text and copied for each address of the domain. The rarer
 * parts (SMTP report, security) go through the mapper, so their shape stays ResultJson's; JsonlWriterTest holds the
 * two to the same bytes. Written as UTF-8 bytes straight into the output
 * stream: a char buffer copied into a Writer that encoded it again was a tenth of the main thread's time. A class of
 * its own, beside {@link ResultWriter}'s CSV and table, for the per-domain text tables only it keeps;
 * {@link ResultWriter#of} makes it.
 */
final class JsonlWriter extends ResultWriter {
    private final OutputStream stream;
    private final Writer chars;
    private final IntFunction<String> replyLink;
    /** Made on first use: a run that only asks DNS writes no part that needs it. */
    private ObjectWriter mapper;
    private final JsonLine line = new JsonLine();
    /** A domain's verdict (verdict, reason, detail, predicted reply) and route (MX list, fallback) as text. */
    private final FragmentTable domains = new FragmentTable(FragmentTable.SLOTS);
    private final FragmentTable replies = new FragmentTable(64);

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
        this.replyLink = replyLink;
    }

    private static final byte[] ADDRESS = ascii("{\"address\":");
    private static final byte[] NORMALIZED = ascii(",\"normalized\":");
    private static final byte[] DOMAIN = ascii(",\"domain\":");
    private static final byte[] DOMAIN_UNICODE = ascii(",\"domain_unicode\":");
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
    /*
     * Runs of constant text that most records share, each written as one piece: a record was some twenty pieces,
     * and each piece's copy (a bounds check and a call into the copying stub) cost more than its few bytes.
     */
    private static final byte[] SMTPUTF8_FALSE = ascii(",\"smtputf8\":false");
    private static final byte[] SMTPUTF8_TRUE = ascii(",\"smtputf8\":true");
    /** A DNS-only record's end: no SMTP report, no security report, one try. */
    private static final byte[] PLAIN_END = ascii(",\"smtp\":null,\"security\":null,\"tries\":1}\n");
    /** The signals without a suggestion, by {@link Signals#plainIndex}. */
    private static final byte[][] SIGNALS = new byte[Signals.PLAIN_COUNT][];

    static {
        for (int i = 0; i < SIGNALS.length; i++) {
            Signals s = Signals.plain(i);
            SIGNALS[i] = ascii(",\"role\":" + s.role() + ",\"disposable\":" + s.disposable()
                    + ",\"free_provider\":" + s.freeProvider() + ",\"suggestion\":null");
        }
    }

    @Override
    void writeRecord(CheckResult r) throws IOException {
        line.len = 0;
        line.raw(ADDRESS);
        int from = line.len;
        line.string(r.address());
        int to = line.len;
        line.raw(NORMALIZED);
        line.string(r.normalized(), r.address(), from, to);
        int slot = r.domain() == null ? 0 : FragmentTable.spread(r.domain().hashCode());
        line.raw(DOMAIN);
        from = line.len;
        line.string(r.domain());
        to = line.len;
        line.raw(DOMAIN_UNICODE);
        line.string(r.domainUnicode(), r.domain(), from, to);
        line.raw(r.smtputf8() ? SMTPUTF8_TRUE : SMTPUTF8_FALSE);
        Boolean nullMxIgnored = r.nullMxIgnored(); // Boolean.TRUE or FALSE: the same object for the same value
        FragmentTable.Fragment kept = domains.kept(slot, r.verdict(), r.reason(), r.detail(), r.predictedReply(),
                r.mx(), r.mxFallback(), nullMxIgnored);
        int verdictStart = line.len;
        if (kept != null) {
            line.raw(kept.text, 0, kept.split);
        } else {
            line.raw(VERDICT);
            line.string(r.verdict() == null ? null : r.verdict().code());
            line.raw(REASON);
            line.string(r.reason() == null ? null : r.reason().code());
            line.raw(DETAIL);
            line.string(r.detail());
            line.raw(PREDICTED_REPLY);
            line.raw(reply(r.predictedReply()));
        }
        int verdictEnd = line.len;
        Signals s = r.signals();
        if (s != null && s.suggestion() == null) {
            line.raw(SIGNALS[Signals.plainIndex(s.role(), s.disposable(), s.freeProvider())]);
        } else if (s != null) {
            line.raw(ROLE);
            line.bool(s.role());
            line.raw(DISPOSABLE);
            line.bool(s.disposable());
            line.raw(FREE_PROVIDER);
            line.bool(s.freeProvider());
            line.raw(SUGGESTION);
            line.raw(SUGGESTED_ADDRESS);
            line.string(s.suggestion().address());
            line.raw(DOMAIN);
            line.string(s.suggestion().domain());
            line.ascii('}');
        }
        if (kept != null) {
            line.raw(kept.text, kept.split, kept.text.length - kept.split);
        } else {
            int routeStart = line.len;
            line.raw(MX);
            mx(r.mx());
            line.raw(MX_FALLBACK);
            line.string(r.mxFallback());
            line.raw(NULL_MX_IGNORED);
            line.bool(r.nullMxIgnored());
            domains.keep(slot, r.verdict(), r.reason(), r.detail(), r.predictedReply(), r.mx(), r.mxFallback(),
                    nullMxIgnored, line, verdictStart, verdictEnd, routeStart);
        }
        if (r.smtp() == null && r.security() == null && r.tries() == 1) {
            line.raw(PLAIN_END);
        } else {
            line.raw(SMTP);
            part(r.smtp());
            line.raw(SECURITY);
            part(r.security());
            line.raw(TRIES);
            line.number(r.tries());
            line.ascii('}');
            line.ascii('\n');
        }
        if (stream != null) {
            stream.write(line.buf, 0, line.len);
        } else {
            chars.write(new String(line.buf, 0, line.len, StandardCharsets.UTF_8));
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

    private void mx(List<MxHost> hosts) {
        if (hosts == null) {
            line.raw(NULL);
            return;
        }
        line.ascii('[');
        for (int i = 0; i < hosts.size(); i++) {
            MxHost h = hosts.get(i);
            if (i > 0) {
                line.ascii(',');
            }
            line.raw(PREFERENCE);
            line.number(h.preference());
            line.raw(HOST);
            line.string(h.host());
            line.raw(ADDRESSES);
            if (h.addresses() == null) {
                line.raw(NULL);
            } else {
                line.ascii('[');
                for (int j = 0; j < h.addresses().size(); j++) {
                    if (j > 0) {
                        line.ascii(',');
                    }
                    line.string(h.addresses().get(j));
                }
                line.ascii(']');
            }
            line.ascii('}');
        }
        line.ascii(']');
    }

    private static final byte[] CODE = ascii("{\"code\":");
    private static final byte[] ENHANCED = ascii(",\"enhanced\":");
    private static final byte[] REFERENCE = ascii(",\"reference\":");

    /** The predicted reply's text, made once for each distinct reply of a run. */
    private byte[] reply(SmtpReply reply) {
        if (reply == null) {
            return NULL;
        }
        int slot = reply.hashCode() & (replies.slots.length - 1);
        FragmentTable.Fragment f = replies.slots[slot];
        if (f == null || !f.a.equals(reply)) { // equal replies: an SMTP probe makes its own
            f = new FragmentTable.Fragment(reply, null, null, null, null, null, null, replyText(reply), 0);
            replies.slots[slot] = f;
        }
        return f.text;
    }

    /**
     * A reply as ResultJson's mapper writes it (its code, its enhanced code, then the link that explains it), by
     * hand: every record has one, and a run that only asks DNS then starts no data-binding mapper at all. JsonlWriterTest
     * holds the two to the same bytes.
     */
    private byte[] replyText(SmtpReply reply) {
        JsonLine text = new JsonLine();
        text.raw(CODE);
        text.number(reply.code());
        text.raw(ENHANCED);
        text.string(reply.enhanced());
        text.raw(REFERENCE);
        text.string(replyLink == null ? null : replyLink.apply(reply.code())); // null: explained nowhere
        text.ascii('}');
        return Arrays.copyOf(text.buf, text.len);
    }

    /** A rarer part as the mapper writes it ("null" for none). */
    private void part(Object value) {
        line.raw(value == null ? NULL : utf8(json(value)));
    }

    private String json(Object value) {
        if (value == null) {
            return "null";
        }
        if (mapper == null) {
            mapper = ResultJson.mapper(replyLink).writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
        }
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
