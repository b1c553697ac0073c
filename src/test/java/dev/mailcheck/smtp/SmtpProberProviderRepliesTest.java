package dev.mailcheck.smtp;

import static dev.mailcheck.testbed.FakeSmtpServer.ordinary;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.testbed.FakeSmtpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * What real providers answer at RCPT, only they can say on demand: a scripted server (FakeSmtpServer)
 * replays each reply of smtp/provider-replies.csv to the whole probe, which must end in the meaning the
 * table gives, with the retry hint where one belongs. The server's made-up-mailbox answer is a plain
 * 550 5.1.1, so the catch-all test never decides the verdict.
 */
class SmtpProberProviderRepliesTest {

    private static final Duration STAGE = Duration.ofSeconds(2);
    private static final MailDomain DOMAIN = new MailDomain("provider.test", Reason.ACCEPTS_MAIL, "",
            List.of(new MxHost(10, "mx.provider.test", List.of("127.0.0.1"))), null, false, 60, Map.of());

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvFileSource(resources = "/smtp/provider-replies.csv", delimiter = '|')
    void theProbeReadsTheProvidersReply(String provider, String wire, Reason expected) {
        String reply = wire.replace("\\n", "\r\n") + "\r\n";
        // Servers without ENHANCEDSTATUSCODES do not announce it; those with it do.
        boolean enhanced = Reply.enhancedOf(Integer.parseInt(wire.substring(0, 3)), wire.substring(4)) != null;
        FakeSmtpServer server = new FakeSmtpServer(c -> {
            c.send("220 mx.provider.test ESMTP\r\n");
            String line;
            while ((line = c.readLine()) != null) {
                String verb = line.split("[ :]", 2)[0];
                c.send(switch (verb) {
                    case "EHLO" -> enhanced ? ordinary(verb) : "250-mx.provider.test\r\n250 SMTPUTF8\r\n";
                    case "RCPT" -> line.contains("no-such-mailbox-") ? "550 5.1.1 No such user\r\n" : reply;
                    default -> ordinary(verb);
                });
                if (verb.equals("QUIT")) {
                    return;
                }
            }
        });
        SmtpSettings settings = SmtpSettings.defaults().withHelo("prober.test").withPort(server.port())
                .withStarttls(false)
                .withTimeouts(Map.of(Stage.GREETING, STAGE, Stage.EHLO, STAGE, Stage.MAIL, STAGE, Stage.RCPT, STAGE))
                .withSessions(8).withLinger(Duration.ofMillis(50));
        SmtpOutcome o;
        try (server; SmtpProber prober = new SmtpProber(settings, Pacing.defaults())) {
            o = prober.probe(((ParsedAddress.Valid) new AddressParser().parse("someone@provider.test")).address(),
                    DOMAIN).join();
        }
        assertEquals(expected, o.reason(), () -> provider + ": " + o.detail());
        assertEquals(Stage.RCPT, o.report().stage(), o::detail);
        Integer retry = o.report().retryAfterSeconds();
        assertEquals(expected == Reason.TEMPORARY_FAILURE || expected == Reason.MAILBOX_FULL, retry != null,
                () -> provider + ": retry_after_seconds " + retry);
    }
}
