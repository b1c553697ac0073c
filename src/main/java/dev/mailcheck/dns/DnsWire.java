package dev.mailcheck.dns;

import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * The DNS wire format where dnsjava's objects cost more than the work: a query written from a template, and an
 * answer's bytes trimmed before dnsjava parses them. Written by hand because dnsjava builds a message's every
 * record, name and section (and writes through a compression table) or none; dnsjava still parses every answer,
 * and DnsWireTest holds each shortcut to dnsjava's own bytes and readings.
 */
final class DnsWire {

    /** Where a {@link #query} template's question name ends: the root name, one byte after the header. */
    private static final int TEMPLATE_NAME_END = 13;

    private DnsWire() {
    }

    /** The template {@link #query} writes from: {@code rootQuery}'s wire form, checked once to ask for the root. */
    static byte[] template(Message rootQuery) {
        byte[] template = rootQuery.toWire();
        if (template.length <= TEMPLATE_NAME_END || template[TEMPLATE_NAME_END - 1] != 0) {
            throw new IllegalArgumentException("not a query for the root name: its name would be cut");
        }
        return template;
    }

    /**
     * A query for {@code type} of the name whose wire form is {@code name}, with this ID: {@code template}'s header and
     * its records after the question (the OPT record), {@code template} being the wire form of the same query for
     * type A of the root name with any ID. Written by dnsjava's Message, the query's objects, its compression table
     * and the copies through its output buffer were a seventh of the socket readers' time (they send the next query
     * as an answer frees a slot).
     */
    static byte[] query(byte[] template, int id, byte[] name, int type) {
        byte[] q = new byte[template.length - TEMPLATE_NAME_END + 12 + name.length];
        System.arraycopy(template, 0, q, 0, 12);
        q[0] = (byte) (id >>> 8);
        q[1] = (byte) id;
        System.arraycopy(name, 0, q, 12, name.length);
        int p = 12 + name.length;
        System.arraycopy(template, TEMPLATE_NAME_END, q, p, template.length - TEMPLATE_NAME_END);
        q[p] = (byte) (type >>> 8);
        q[p + 1] = (byte) type;
        return q;
    }

    /**
     * The wire form of {@code domain} read as dnsjava reads it, relative to the root ({@code Name.fromString(domain,
     * Name.root).toWire()}). A name of letters, digits, hyphens and underscores (every domain the address parser
     * passes) is written here from its text: through dnsjava it was a Name, then a DNSOutput and a Name for each of
     * its labels, some 460 bytes a domain (7% of what a list of new domains allocates). Anything else (escapes, "@",
     * empty or long labels) goes through dnsjava, which also says what is wrong with it.
     *
     * @throws TextParseException where dnsjava's reading fails
     */
    static byte[] name(String domain) throws TextParseException {
        int length = domain.length();
        int end = length > 1 && domain.charAt(length - 1) == '.' ? length - 1 : length;
        // One length byte a label and the root's zero: the text's length plus two, with or without its final dot.
        byte[] wire = end + 2 <= MAX_NAME ? new byte[end + 2] : null;
        int label = 0;
        for (int i = 0; i <= end && wire != null; i++) {
            char c = i == end ? '.' : domain.charAt(i);
            if (c == '.') {
                int n = i - label;
                if (n == 0 || n > MAX_LABEL) {
                    wire = null;
                } else {
                    wire[label] = (byte) n;
                    label = i + 1;
                }
            } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                wire[i + 1] = (byte) c;
            } else {
                wire = null;
            }
        }
        return wire != null ? wire : Name.fromString(domain, Name.root).toWire();
    }

    private static final int MAX_NAME = 255;
    private static final int MAX_LABEL = 63;

    /**
     * An answer's bytes before dnsjava parses them: its authority and additional sections left out, as every lookup
     * here reads only the header, the question, the answer section and the RCODE. A list of new domains' MX answers
     * carry an NS record, its glue and the MX hosts' addresses besides the MX records themselves, and parsing those
     * (each record and name an object, each label a copy) was half of dnsjava's work per answer.
     *
     * <p>{@code message} with its authority and additional counts set to zero, in place: dnsjava stops reading after
     * the answer section and never looks at the bytes after it. Unchanged when there is nothing to leave out, when
     * the sections can't be walked (dnsjava's parse then says what is wrong), when a name in the question or answer
     * section may point into the header (whose counts the trimming changes) and when an OPT record holds extended
     * RCODE bits (the RCODE is then more than the header's four bits). The sections left out are walked, not read:
     * a record in them that dnsjava would refuse (an A record of five bytes, a malformed EDNS option) no longer
     * fails the answer, whose other parts are all a lookup reads.
     */
    static byte[] answerOnly(byte[] message) {
        if (message.length < 12 || count(message, 8) + count(message, 10) == 0) {
            return message;
        }
        int p = 12;
        for (int i = count(message, 4); i > 0 && p >= 0; i--) {
            p = afterName(message, p);
            p = p < 0 ? -1 : p + 4; // type and class
        }
        for (int i = count(message, 6); i > 0 && p >= 0; i--) {
            p = afterRecord(message, p);
        }
        if (p < 0 || pointsIntoHeader(message, p)) {
            return message;
        }
        for (int i = count(message, 8); i > 0 && p >= 0; i--) {
            p = afterRecord(message, p);
        }
        for (int i = count(message, 10); i > 0 && p >= 0; i--) {
            int type = afterName(message, p);
            p = afterRecord(message, p);
            // An OPT record (type 41, whatever form its owner name takes: dnsjava takes the first OPT record): the
            // first byte of its TTL is the RCODE's upper eight bits.
            if (p >= 0 && count(message, type) == 41 && message[type + 4] != 0) {
                return message;
            }
        }
        if (p < 0) {
            return message;
        }
        message[8] = 0;
        message[9] = 0;
        message[10] = 0;
        message[11] = 0;
        return message;
    }

    /**
     * Whether two bytes before {@code end} (the answer section's end) could be a compression pointer into the header,
     * whose counts the trimming changes: a name read through one (an MX target pointing at the authority count) would
     * read otherwise trimmed. dnsjava follows only pointers to earlier bytes, so every name the question and answer
     * sections hold is read from bytes before {@code end}. Record data is not parsed here, so any such pair counts (an
     * A record's 192.0.x.x too): such an answer is only parsed whole.
     */
    private static boolean pointsIntoHeader(byte[] m, int end) {
        for (int i = 12; i + 1 < end; i++) {
            if ((m[i] & 0xff) == 0xc0 && (m[i + 1] & 0xff) < 12) {
                return true;
            }
        }
        return false;
    }

    private static int count(byte[] m, int at) {
        return (m[at] & 0xff) << 8 | m[at + 1] & 0xff;
    }

    /** Where the record at {@code p} ends, or -1 if it runs past the message. */
    private static int afterRecord(byte[] m, int p) {
        p = afterName(m, p);
        if (p < 0 || p + 10 > m.length) {
            return -1;
        }
        p += 10 + count(m, p + 8); // type, class, TTL, then the data's length and the data
        return p > m.length ? -1 : p;
    }

    /** Where the name at {@code p} ends (after its root label or its compression pointer), or -1. */
    private static int afterName(byte[] m, int p) {
        while (p < m.length) {
            int b = m[p] & 0xff;
            if (b == 0) {
                return p + 1;
            }
            if ((b & 0xc0) == 0xc0) {
                return p + 2 <= m.length ? p + 2 : -1;
            }
            if ((b & 0xc0) != 0) {
                return -1; // an extended label type (0x40, which RFC 6891 deprecated) or the undefined 0x80
            }
            p += b + 1;
        }
        return -1;
    }
}
