package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.testbed.FuzzBudget;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever bytes a server sends, reading replies ends in a {@link Reply} that the prober can classify
 * or in a {@link ReplyReader.ProtocolException}; nothing else escapes.
 */
@AddLifecycleHook(FuzzBudget.class)
class ReplyReaderFuzzTest {

    @Property
    void everyReadIsAClassifiedReplyOrAProtocolError(@ForAll("wire") byte[] wire) {
        ReplyReader reader = new ReplyReader(new ByteArrayInputStream(wire), deadline -> { });
        int replies = 0;
        // Read on until the stream runs out, as a session does reply after reply; each read must end well.
        while (true) {
            Reply r;
            try {
                r = reader.read(Stage.RCPT, Long.MAX_VALUE);
            } catch (ReplyReader.ProtocolException e) {
                assertNotNull(e.getMessage());
                break;
            } catch (Exception e) {
                throw new AssertionError("unexpected " + e + " for " + printable(wire), e);
            }
            replies++;
            assertTrue(replies <= wire.length, "more replies than bytes");
            assertTrue(r.code() >= 200 && r.code() <= 599, r::toString);
            assertTrue(r.enhanced() == null || r.enhanced().charAt(0) - '0' == r.code() / 100, r::toString);
            assertNotNull(r.toSmtpReply());
            assertNotNull(ReplyMeaning.ofRcpt(r));
            assertNotNull(ReplyMeaning.ofSession(r));
            assertTrue(r.subject() >= -1 && ReplyMeaning.retryAfterSeconds(r) > 0);
        }
        // Guards the generator: well-formed replies must be common, or the checks above say little.
        Statistics.label("replies").collect(replies > 0);
        Statistics.label("replies").coverage(c -> c.check(true).percentage(p -> p >= 20));
    }

    @Provide
    Arbitrary<byte[]> wire() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, wellFormed().list().ofMinSize(1).ofMaxSize(4).map(ReplyReaderFuzzTest::concat)),
                Tuple.of(3, replyLike().list().ofMaxSize(8).map(ReplyReaderFuzzTest::concat)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(600)),
                Tuple.of(1, Combinators.combine(Arbitraries.of("250", "250-", "220 ", "999 ", "25"),
                        Arbitraries.integers().between(1000, 20_000), Arbitraries.of("x", "\r", "-", "é"))
                        .as((head, n, filler) -> (head + filler.repeat(n) + "\n").getBytes(StandardCharsets.UTF_8))));
    }

    /** A correct reply, single- or multi-line, so that sequences of replies are read too. */
    private static Arbitrary<byte[]> wellFormed() {
        return Combinators.combine(Arbitraries.integers().between(200, 599),
                        Arbitraries.strings().withChars("abc <>@.é").ofMaxLength(30).list().ofMinSize(1).ofMaxSize(5))
                .as((code, texts) -> {
                    StringBuilder s = new StringBuilder();
                    for (int i = 0; i < texts.size(); i++) {
                        s.append(code).append(i < texts.size() - 1 ? '-' : ' ').append(texts.get(i)).append("\r\n");
                    }
                    return s.toString().getBytes(StandardCharsets.UTF_8);
                });
    }

    /** One reply line as servers write them, with every part liable to be wrong. */
    private static Arbitrary<byte[]> replyLike() {
        Arbitrary<String> code = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.of("220", "221", "250", "251", "252", "354", "421", "450", "451", "452", "550",
                        "551", "552", "553", "554", "556")),
                Tuple.of(1, Arbitraries.strings().withChars("0123456789 x-").ofMaxLength(4)));
        Arbitrary<String> separator = Arbitraries.of(" ", " ", " ", " ", "-", "-", "", "\t", "x");
        Arbitrary<String> enhanced = Arbitraries.of("", "2.1.5 ", "5.1.1 ", "4.2.0 ", "5.7.1 ", "5.1.10 ", "2.0.0 ",
                "5.1.1000 ", "4.2 ", "9.9.9 ", "5.2.2 ", "5.6.7 ", "5.3.4 ");
        Arbitrary<String> text = Arbitraries.strings().withChars("abc <>@.;:é\u0000\u007f\r").ofMaxLength(40);
        Arbitrary<String> end = Arbitraries.of("\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r", "");
        return Combinators.combine(code, separator, enhanced, text, end)
                .as((c, s, e, t, n) -> (c + s + e + t + n).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static String printable(byte[] wire) {
        return ReplyReader.printable(new String(wire, StandardCharsets.ISO_8859_1));
    }
}
