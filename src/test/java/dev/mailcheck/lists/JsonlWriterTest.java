package dev.mailcheck.lists;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.Reason;
import dev.mailcheck.SmtpReply;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.dns.TransportSecurity;
import dev.mailcheck.signals.Signals;
import dev.mailcheck.smtp.Reply;
import dev.mailcheck.smtp.SmtpReport;
import dev.mailcheck.smtp.Stage;
import dev.mailcheck.verdict.CheckResult;
import dev.mailcheck.verdict.ResultJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The hand-written JSONL, held to the bytes the shared mapper writes, for every field and every reason. */
class JsonlWriterTest {

    /** a@a.test, parsed: the address most rows check. */
    private static CheckResult.Builder aTest() {
        return CheckResult.builder("a@a.test").normalized("a@a.test").domain("a.test").domainUnicode("a.test");
    }

    static Stream<Arguments> results() {
        Reason ok = Reason.ACCEPTS_MAIL;
        Reason rejected = Reason.MAILBOX_REJECTED;
        List<MxHost> mx = List.of(new MxHost(10, "mx1.a.test", List.of("192.0.2.1", "2001:db8::1")),
                new MxHost(20, "mx2.a.test", List.of()));
        SmtpReport report = new SmtpReport("mx1.a.test", "192.0.2.1", Stage.RCPT,
                List.of(new Reply(Stage.RCPT, 550, "5.1.1", "no such user\nreally")), SmtpReport.StartTls.ESTABLISHED,
                true, SmtpReport.CatchAll.REJECTS_UNKNOWN, null, List.of("C: RCPT TO:<a@a.test>", "S: 550 5.1.1 no"),
                "microsoft", false, true);
        return Stream.of(Stream.of(
                Arguments.of("invalid syntax", CheckResult.builder("a b@\u0000\"x")
                        .reason(Reason.INVALID_SYNTAX).detail("The address contains a space.").build()),
                Arguments.of("MX hosts, a suggestion, an IDN", CheckResult.builder("jöran@gmial.com")
                        .normalized("jöran@xn--bcher-kva.test").domain("xn--bcher-kva.test").domainUnicode("bücher.test")
                        .smtputf8(true).reason(ok).detail("Mail is accepted.")
                        .signals(new Signals(true, true, true, new Signals.Suggestion("jöran@gmail.com", "gmail.com")))
                        .mx(mx).nullMxIgnored(true).build()),
                Arguments.of("a fallback to A, rechecked", aTest()
                        .reason(ok).detail("No MX: mail goes to the domain's address.")
                        .mx(List.of(new MxHost(0, "a.test", List.of("192.0.2.7")))).mxFallback("A").tries(3).build()),
                Arguments.of("an SMTP report and security", aTest()
                        .reason(rejected).detail("The server said \"no\".").predictedReply(new SmtpReply(550, "5.1.1"))
                        .mx(mx).smtp(report)
                        .security(new TransportSecurity(TransportSecurity.Dnssec.SECURE, true, false, null, "Signed."))
                        .build()),
                Arguments.of("every character JSON escapes, and some it does not", CheckResult.builder(
                        "\u0000\u0001\b\t\n\u000b\f\r\u001f\"\\/\u007f\u0080\u2028\u2029\ud800\udc00\udfff\ud800é@a.test")
                        .reason(Reason.INVALID_SYNTAX).detail("<>&'\u0000").build()),
                Arguments.of("a reply the reference lacks, no signals", aTest()
                        .reason(rejected).predictedReply(new SmtpReply(599, null)).signals(null).mx(null).build())),
                // Every reason, with its verdict and predicted reply, so each reason's code is written both ways.
                Arrays.stream(Reason.values()).map(r -> Arguments.of("reason " + r.code(), aTest()
                        .reason(r).detail(r.meaning()).build())))
                .flatMap(Function.identity());
    }

    /**
     * The table above sets every field of the parts the writer writes by hand (a result, its signals and their
     * suggestion, its MX hosts) in some row, to something other than null, false, 0 or empty: a field added to
     * the result but not to the table fails here, and once in the table, the comparison above fails until the
     * hand-written JSONL writes it as the mapper does.
     */
    @Test
    void theTableSetsEveryHandWrittenFieldSomewhere() {
        List<Object> parts = new ArrayList<>();
        results().map(a -> (CheckResult) a.get()[1]).forEach(r -> {
            parts.add(r);
            if (r.signals() != null) {
                parts.add(r.signals());
                if (r.signals().suggestion() != null) {
                    parts.add(r.signals().suggestion());
                }
            }
            if (r.mx() != null) {
                parts.addAll(r.mx());
            }
        });
        for (Class<?> type : List.of(CheckResult.class, Signals.class, Signals.Suggestion.class, MxHost.class)) {
            for (RecordComponent c : type.getRecordComponents()) {
                boolean set = parts.stream().filter(type::isInstance).anyMatch(part -> {
                    try {
                        Object v = c.getAccessor().invoke(part);
                        return v != null && !v.equals(false) && !v.equals(0) && !v.equals(List.of());
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertTrue(set, type.getSimpleName() + "." + c.getName() + " is set in no row of the table");
            }
        }
    }

    /**
     * JSONL is written field by field for speed; every line must be what the shared mapper writes for it, the MX list
     * of a domain met before (its text kept at its second sighting, copied at the third) included.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("results")
    void jsonlIsTheMappersShape(String scenario, CheckResult result) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IntFunction<String> link = code -> code == 599 ? null : "/codes/" + code; // a code explained nowhere: null
        ResultWriter writer = ResultWriter.of(ResultWriter.Format.JSONL, out, link);
        writer.write(result);
        writer.write(result.withTries(2));
        writer.write(result.withTries(3));
        writer.flush();
        ObjectMapper mapper = ResultJson.mapper(link);
        assertBytes(mapper.writeValueAsString(result) + "\n" + mapper.writeValueAsString(result.withTries(2)) + "\n"
                + mapper.writeValueAsString(result.withTries(3)) + "\n", out);
        StringWriter text = new StringWriter(); // a Writer gets the same text, decoded from those bytes
        ResultWriter.of(ResultWriter.Format.JSONL, text, link).write(result);
        assertEquals(out.toString(StandardCharsets.UTF_8).lines().findFirst().orElseThrow() + "\n", text.toString());
    }

    /** A writer given no link (null: codes explained nowhere) writes every reply's reference as null. */
    @Test
    void withoutALinkEveryReferenceIsNull() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ResultWriter writer = ResultWriter.of(ResultWriter.Format.JSONL, out, null);
        writer.write(aTest().reason(Reason.MAILBOX_REJECTED).predictedReply(new SmtpReply(550, "5.1.1")).build());
        writer.flush();
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(
                "\"predicted_reply\":{\"code\":550,\"enhanced\":\"5.1.1\",\"reference\":null}"), out::toString);
    }

    /**
     * The mapper's text as the output's UTF-8 encoder wrote it before JSONL was written as bytes (a surrogate
     * without its pair became '?'), compared byte by byte.
     */
    private static void assertBytes(String mappersText, ByteArrayOutputStream written) {
        assertEquals(HexFormat.of().formatHex(mappersText.getBytes(StandardCharsets.UTF_8)),
                HexFormat.of().formatHex(written.toByteArray()), mappersText);
    }

    /**
     * A domain's fragments are copied only while a result has the very parts they were written from: every row of the
     * table, most of them at a.test with other verdicts, details, replies and MX lists, written one after another by
     * one writer, three times over (so each text is kept, then copied), is what the mapper writes for each.
     */
    @Test
    void aDomainsTextIsReusedOnlyForTheSameParts() throws IOException {
        WrittenBothWays written = new WrittenBothWays();
        for (int round = 0; round < 3; round++) {
            for (CheckResult r : results().map(a -> (CheckResult) a.get()[1]).toList()) {
                written.add(r);
            }
        }
        written.assertSameBytes();
    }

    /** Results written by one JSONL writer, and by the mapper one at a time. */
    private static final class WrittenBothWays {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final IntFunction<String> link = code -> "/codes/" + code;
        final ResultWriter writer = ResultWriter.of(ResultWriter.Format.JSONL, out, link);
        final ObjectMapper mapper = ResultJson.mapper(link);
        final StringBuilder expected = new StringBuilder();

        void add(CheckResult r) throws IOException {
            writer.write(r);
            expected.append(mapper.writeValueAsString(r)).append('\n');
        }

        void assertSameBytes() throws IOException {
            writer.flush();
            assertBytes(expected.toString(), out);
        }
    }

    /**
     * More domains than the writer keeps fragments for, each with a long detail (so the kept text reaches its bound
     * too), between the addresses of a popular domain whose answer is replaced by a new one halfway: every line is
     * still what the mapper writes, whichever fragments were kept, spared or pushed out.
     */
    @Test
    void fragmentsPushedOutOrNeverKeptChangeNoByte() throws IOException {
        WrittenBothWays written = new WrittenBothWays();
        String filler = "x".repeat(600);
        List<CheckResult> answers = new ArrayList<>();
        for (int d = 0; d < 40_000; d++) {
            String domain = "d" + d + ".test";
            answers.add(CheckResult.builder("a@" + domain).normalized("a@" + domain).domain(domain).domainUnicode(domain)
                    .reason(Reason.ACCEPTS_MAIL).detail(domain + " " + filler)
                    .mx(List.of(new MxHost(10, "mx." + domain, List.of("192.0.2." + d % 250)))).build());
        }
        CheckResult popular = aTest().reason(Reason.ACCEPTS_MAIL).detail("Mail is accepted.")
                .mx(List.of(new MxHost(10, "mx.a.test", List.of("192.0.2.1")))).build();
        for (int i = 0; i < 3 * answers.size(); i++) {
            if (i == answers.size() * 3 / 2) {
                popular = aTest().reason(Reason.MAILBOX_REJECTED).detail("Mail is refused now.")
                        .mx(List.of(new MxHost(20, "mx2.a.test", List.of("192.0.2.2")))).build();
            }
            CheckResult domains = answers.get(i * 7919 % answers.size());
            // In the first round each domain twice in a row: its text is kept, until the kept text reaches its bound.
            for (CheckResult r : i < answers.size() ? List.of(domains, domains, popular) : List.of(domains, popular)) {
                written.add(r);
            }
        }
        written.assertSameBytes();
    }
}
