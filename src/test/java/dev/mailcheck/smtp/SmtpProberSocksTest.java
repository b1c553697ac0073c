package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.testbed.Dante;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.testbed.Postfix;
import dev.mailcheck.verdict.CheckResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The probe through a real SOCKS5 proxy (Dante), as from AWS Lambda, which blocks port 25 itself. */
class SmtpProberSocksTest {

    @Test
    void probesThroughTheProxy() {
        try (Dante socks = Dante.start();
             MxResolver dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 16, true);
             SmtpProber prober = new SmtpProber(SmtpSettings.defaults().withHelo("prober.checker.test")
                     .withPort(Postfix.shared().port()).withSocks(socks.address())
                     .withSessions(4).withLinger(Duration.ofMillis(50)), Pacing.off())) {
            CheckResult r = new Checker(dns).withSmtp(prober).check("alice@strict.smtp.test").join();
            assertEquals(Reason.MAILBOX_ACCEPTED, r.reason(), r::detail);
            assertTrue(r.smtp().transcript().getFirst().contains("via SOCKS5"), r.smtp().transcript()::toString);
            String log = socks.log();
            assertTrue(log.contains("127.0.0.1." + Postfix.shared().port()), "the proxy did not relay it: " + log);
        }
    }
}
