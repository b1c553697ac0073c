package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import org.xbill.DNS.WireParseException;

/**
 * Queries as dnsjava writes them, and answers as servers send them: what dnsjava reads from the trimmed bytes is what
 * it read from the whole answer, but for records it would refuse in the sections left out.
 */
class DnsWireTest {

    /** A query written from the template is, byte for byte, the query dnsjava writes. */
    @ParameterizedTest(name = "{0} {1}, DNSSEC {2}, ID {3}")
    @CsvSource(textBlock = """
            # name                                                             | type  | DNSSEC | ID
            d0.one.test.                                                       | MX    | false  | 0
            d0.one.test.                                                       | MX    | true   | 65535
            Mixed-Case.Example.                                                | A     | false  | 4660
            xn--bcher-kva.example.                                             | AAAA  | false  | 1
            _25._tcp.mx.example.                                               | TLSA  | true   | 258
            _mta-sts.example.                                                  | TXT   | false  | 32768
            a23456789012345678901234567890123456789012345678901234567890123.b. | MX    | false  | 77
            .                                                                  | NS    | true   | 9
            """, delimiter = '|')
    void writesTheQueryDnsjavaWrites(String name, String type, boolean dnssec, int id) {
        Name n = Name.fromConstantString(name);
        int t = Type.value(type);
        byte[] template = DnsWire.template(DnsTransport.newQuery(0, Name.root, Type.A, dnssec));
        assertArrayEquals(DnsTransport.newQuery(id, n, t, dnssec).toWire(), DnsWire.query(template, id, n.toWire(), t));
    }

    /** A name's wire form from its text is dnsjava's reading of it relative to the root, or dnsjava's refusal. */
    @ParameterizedTest(name = "[{0}]")
    @MethodSource("names")
    void writesTheNameDnsjavaReads(String text) {
        byte[] dnsjava;
        try {
            dnsjava = Name.fromString(text, Name.root).toWire();
        } catch (TextParseException e) {
            assertThrows(TextParseException.class, () -> DnsWire.name(text));
            return;
        }
        assertArrayEquals(dnsjava, assertDoesNotThrow(() -> DnsWire.name(text)));
    }

    static Stream<String> names() {
        String label63 = "a".repeat(63);
        // 127 one-letter labels: 255 bytes of wire with the root's zero, the most a name may have; a letter more is too long.
        String longest = "a.".repeat(126) + "a";
        return Stream.of("d0.one.test", "d0.one.test.", "Mixed-Case.Example", "xn--bcher-kva.example", "_25._tcp.mx.example",
                "a1-b2_c3.d", "x", "x.", label63 + ".b", label63 + "a.b", longest, longest + "b", longest + "bc",
                longest + ".", longest + "b.", "", ".", "..", "a..b", ".a", "a.b..", "@", "\\065bc.test", "a\\.b.test",
                "a b.test", "bücher.example", "a+b.test", "a/b.test", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p");
    }

    private static final Name DOMAIN = Name.fromConstantString("d0.one.test.");
    private static final Name MX1 = Name.fromConstantString("mx96.one.test.");
    private static final Name MX2 = Name.fromConstantString("mx38.one.test.");
    private static final Name ZONE = Name.fromConstantString("one.test.");
    private static final Name NS = Name.fromConstantString("ns.one.test.");

    static Stream<Arguments> answers() {
        return Stream.of(
                // scenario, the answer's bytes, whether the other sections are left out, the RCODE read
                Arguments.of("MX records with NS, glue and OPT (what NSD sends)", wire(Rcode.NOERROR, 0, true, true), true,
                        Rcode.NOERROR),
                Arguments.of("NXDOMAIN with the zone's SOA", wire(Rcode.NXDOMAIN, 0, false, true), true, Rcode.NXDOMAIN),
                Arguments.of("SERVFAIL with an OPT record alone", wire(Rcode.SERVFAIL, 0, false, false), true,
                        Rcode.SERVFAIL),
                Arguments.of("BADVERS: extended RCODE bits in the OPT record", wire(Rcode.NOERROR, 1, true, true),
                        false, Rcode.BADVERS),
                Arguments.of("nothing but the answer", answerOnlyWire(), false, Rcode.NOERROR),
                // Trimmed, these targets would read otherwise: the counts they run through are zeroed.
                Arguments.of("an MX target pointing at the authority count", pointerIntoCounts(9), false, Rcode.NOERROR),
                Arguments.of("an MX target pointing at the question count, its labels running on into the others",
                        pointerIntoCounts(5), false, Rcode.NOERROR),
                Arguments.of("an A record of 192.0.2.1, whose first two bytes read as such a pointer",
                        addressWithAuthority(), false, Rcode.NOERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void dnsjavaReadsTheSameAnswer(String scenario, Supplier<byte[]> wire, boolean trimmed, int rcode) throws IOException {
        byte[] bytes = wire.get();
        Message whole = new Message(bytes.clone());
        byte[] after = DnsWire.answerOnly(bytes);
        assertSame(bytes, after, "in place");
        Message read = new Message(after);
        assertEquals(rcode, read.getRcode(), scenario);
        assertEquals(whole.getHeader().getID(), read.getHeader().getID());
        assertEquals(whole.getHeader().getFlag(Flags.AA), read.getHeader().getFlag(Flags.AA));
        assertEquals(whole.getQuestion(), read.getQuestion());
        assertEquals(whole.getSection(Section.ANSWER), read.getSection(Section.ANSWER), scenario);
        int others = read.getSection(Section.AUTHORITY).size() + read.getSection(Section.ADDITIONAL).size();
        assertEquals(trimmed, others == 0 && whole.getSection(Section.ADDITIONAL).size()
                + whole.getSection(Section.AUTHORITY).size() > 0, scenario);
    }

    /** Bytes that can't be walked stay as they came, for dnsjava's parse to refuse or read as before. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void leavesWhatItCannotWalk(String scenario, byte[] bytes) {
        byte[] before = bytes.clone();
        assertArrayEquals(before, DnsWire.answerOnly(bytes), scenario);
    }

    /**
     * RFC 1035 asks for a pointer to a prior name and dnsjava refuses one that points ahead: here the answer's MX
     * target points into the additional section, which the trimmed bytes still hold. Refused either way, so the
     * query goes on to its next try as before.
     */
    @Test
    void anAnswerDnsjavaRefusesIsRefusedTrimmed() {
        byte[] bytes = forwardPointer();
        assertThrows(WireParseException.class, () -> new Message(bytes.clone()));
        assertThrows(WireParseException.class, () -> new Message(DnsWire.answerOnly(bytes)));
        assertEquals(0, bytes[11], "trimmed");
    }

    /**
     * dnsjava takes the first OPT record whatever its owner name: one named by a pointer to a root name, holding
     * extended RCODE bits (BADVERS), leaves the answer whole, so its RCODE is read in full and not as NOERROR.
     */
    @Test
    void anOptRecordNamedByAPointerKeepsItsRcode() throws IOException {
        byte[] plain = wire(Rcode.NOERROR, 1, true, true).get();
        int opt = plain.length - 11; // the OPT record comes last: its root name, then type 41
        assertEquals(0, plain[opt]);
        assertEquals(41, plain[opt + 2]);
        int root = 12 + DOMAIN.toWire().length - 1; // the question name's last byte, its root label
        byte[] bytes = Arrays.copyOf(plain, plain.length + 1);
        bytes[opt] = (byte) 0xc0;
        bytes[opt + 1] = (byte) root;
        System.arraycopy(plain, opt + 1, bytes, opt + 2, 10);
        assertEquals(Rcode.BADVERS, new Message(bytes.clone()).getRcode());
        byte[] before = bytes.clone();
        assertArrayEquals(before, DnsWire.answerOnly(bytes), "left whole");
        assertEquals(Rcode.BADVERS, new Message(bytes).getRcode());
    }

    /**
     * The sections left out are walked, not read: an answer with an additional record dnsjava refuses (an A record of
     * five bytes) was a failed try; trimmed, it is read for its answer section, which is all a lookup takes from it.
     */
    @Test
    void aRecordDnsjavaRefusesInALeftOutSectionNoLongerFailsTheAnswer() throws IOException {
        byte[] header = {0, 7, (byte) 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 1};
        byte[] question = concat(name("d0.one.test"), new byte[] {0, 15, 0, 1});
        byte[] mx = concat(new byte[] {(byte) 0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 4, 0, 10}, new byte[] {(byte) 0xc0, 12});
        byte[] a = {(byte) 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 5, (byte) 192, 0, 2, 1, 9};
        byte[] bytes = concat(concat(header, question), concat(mx, a));
        assertThrows(WireParseException.class, () -> new Message(bytes.clone()));
        Message read = new Message(DnsWire.answerOnly(bytes));
        assertEquals(List.of(new MXRecord(DOMAIN, DClass.IN, 60, 10, DOMAIN)), read.getSection(Section.ANSWER));
    }

    static Stream<Arguments> broken() {
        byte[] good = wire(Rcode.NOERROR, 0, true, true).get();
        byte[] retiredLabel = good.clone();
        retiredLabel[12] = 0x40; // the question's first label as an extended label type
        return Stream.of(
                Arguments.of("cut inside the additional section", Arrays.copyOf(good, good.length - 5)),
                Arguments.of("cut inside the question", Arrays.copyOf(good, 16)),
                Arguments.of("a header alone that counts records", Arrays.copyOf(good, 12)),
                Arguments.of("shorter than a header", Arrays.copyOf(good, 7)),
                Arguments.of("a retired label type", retiredLabel));
    }

    private static Supplier<byte[]> wire(int rcode, int extendedRcode, boolean mx, boolean authority) {
        return () -> {
            Message m = new Message(4242);
            m.getHeader().setFlag(Flags.QR);
            m.getHeader().setFlag(Flags.AA);
            m.getHeader().setRcode(rcode);
            m.addRecord(Record.newRecord(DOMAIN, Type.MX, DClass.IN), Section.QUESTION);
            if (mx) {
                m.addRecord(new MXRecord(DOMAIN, DClass.IN, 3600, 10, MX1), Section.ANSWER);
                m.addRecord(new MXRecord(DOMAIN, DClass.IN, 3600, 20, MX2), Section.ANSWER);
                m.addRecord(new NSRecord(ZONE, DClass.IN, 3600, NS), Section.AUTHORITY);
                m.addRecord(new ARecord(MX1, DClass.IN, 3600, new byte[] {(byte) 192, 0, 2, 97}), Section.ADDITIONAL);
                m.addRecord(new ARecord(MX2, DClass.IN, 3600, new byte[] {(byte) 192, 0, 2, 39}), Section.ADDITIONAL);
            } else if (authority) {
                m.addRecord(new SOARecord(ZONE, DClass.IN, 3600, NS, NS, 1, 3600, 600, 86400, 300), Section.AUTHORITY);
            }
            m.addRecord(new OPTRecord(1232, extendedRcode, 0), Section.ADDITIONAL);
            return m.toWire();
        };
    }

    private static Supplier<byte[]> answerOnlyWire() {
        return () -> {
            Message m = new Message(7);
            m.getHeader().setFlag(Flags.QR);
            m.addRecord(Record.newRecord(DOMAIN, Type.MX, DClass.IN), Section.QUESTION);
            m.addRecord(new MXRecord(DOMAIN, DClass.IN, 60, 10, MX1), Section.ANSWER);
            return m.toWire();
        };
    }

    /** An MX answer whose target is compressed against the glue record after it. */
    /** The review's case: an MX record whose target is a pointer to byte {@code at} of the header, and an NS record. */
    private static Supplier<byte[]> pointerIntoCounts(int at) {
        return () -> {
            byte[] header = {0, 7, (byte) 0x84, 0, 0, 1, 0, 1, 0, 1, 0, 0};
            byte[] question = concat(name("d0.one.test"), new byte[] {0, 15, 0, 1});
            byte[] mx = {(byte) 0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 4, 0, 10, (byte) 0xc0, (byte) at};
            byte[] ns = {(byte) 0xc0, 15, 0, 2, 0, 1, 0, 0, 0, 60, 0, 2, (byte) 0xc0, 12};
            return concat(concat(header, question), concat(mx, ns));
        };
    }

    private static Supplier<byte[]> addressWithAuthority() {
        return () -> {
            Message m = new Message(9);
            m.getHeader().setFlag(Flags.QR);
            m.addRecord(Record.newRecord(MX1, Type.A, DClass.IN), Section.QUESTION);
            m.addRecord(new ARecord(MX1, DClass.IN, 60, new byte[] {(byte) 192, 0, 2, 1}), Section.ANSWER);
            m.addRecord(new NSRecord(ZONE, DClass.IN, 3600, NS), Section.AUTHORITY);
            return m.toWire();
        };
    }

    private static byte[] forwardPointer() {
        byte[] header = {0, 9, (byte) 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 1};
        byte[] question = concat(name("d0.one.test"), new byte[] {0, 15, 0, 1});
        int glue = header.length + question.length + 2 + 10 + 4; // where the A record's owner name starts
        byte[] mx = concat(new byte[] {(byte) 0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 4, 0, 10},
                new byte[] {(byte) (0xc0 | glue >> 8), (byte) glue});
        byte[] a = concat(name("mx96.one.test"), new byte[] {0, 1, 0, 1, 0, 0, 0, 60, 0, 4, (byte) 192, 0, 2, 97});
        return concat(concat(header, question), concat(mx, a));
    }

    private static byte[] name(String dotted) {
        byte[] out = new byte[0];
        for (String label : List.of(dotted.split("\\."))) {
            out = concat(out, concat(new byte[] {(byte) label.length()}, label.getBytes()));
        }
        return concat(out, new byte[] {0});
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
