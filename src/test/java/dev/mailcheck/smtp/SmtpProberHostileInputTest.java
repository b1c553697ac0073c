package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.testbed.FakeDnsServer;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.verdict.CheckResult;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile input never reaches a socket. The probe is pointed at a trap as its SOCKS proxy: every
 * connection it would make, to any address, IPv4 or IPv6, becomes a connection to the trap on
 * 127.0.0.1, so the trap's count proves that none was attempted, and nothing leaves loopback either way.
 * Each table has a control row (allow-private on) showing that the trap does see an attempt.
 */
class SmtpProberHostileInputTest {

    private static final String ZONE = """
            $ORIGIN hostile.test.
            $TTL 300
            loopback       MX    10 mx-loopback
            mx-loopback    A     127.0.0.1
            private        MX    10 mx-private
            mx-private     A     10.1.2.3
            metadata       MX    10 mx-metadata
            mx-metadata    A     169.254.169.254
            v6-loopback    MX    10 mx-v6-loopback
            mx-v6-loopback AAAA  ::1
            ula            MX    10 mx-ula
            mx-ula         AAAA  fd00::25
            mapped         MX    10 mx-mapped
            mx-mapped      AAAA  ::ffff:127.0.0.1
            6to4           MX    10 mx-6to4
            mx-6to4        AAAA  2002:7f00:1::
            6to4-metadata  MX    10 mx-6to4-metadata
            mx-6to4-metadata AAAA 2002:a9fe:a9fe::1
            translated     MX    10 mx-translated
            mx-translated  AAAA  ::ffff:0:7f00:1
            teredo         MX    10 mx-teredo
            mx-teredo      AAAA  2001:0:808:808:0:0:80ff:fffe
            nat64          MX    10 mx-nat64
            mx-nat64       AAAA  64:ff9b::a9fe:a9fe
            compatible     MX    10 mx-compatible
            mx-compatible  AAAA  ::7f00:1
            """;

    private static FakeDnsServer dns;

    @BeforeAll
    static void start() {
        dns = new FakeDnsServer(FakeDnsServer.zone(ZONE));
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private record Outcome(CheckResult result, int attempts) {
    }

    private static Outcome check(String address, boolean allowPrivateMx) {
        Duration stage = Duration.ofMillis(500);
        try (FakeSmtpServer trap = new FakeSmtpServer(c -> { }); // hangs up on whatever comes
             MxResolver resolver = new MxResolver(List.of(dns.address()), Duration.ofSeconds(2), 8, allowPrivateMx);
             SmtpProber prober = new SmtpProber(SmtpSettings.defaults().withHelo("prober.test")
                     .withSocks(new InetSocketAddress(InetAddress.getLoopbackAddress(), trap.port()))
                     .withTimeouts(Map.of(Stage.CONNECT, stage, Stage.GREETING, stage)).withSessions(4)
                     .withLinger(Duration.ofMillis(50)), Pacing.off())) {
            CheckResult r = new Checker(resolver).withSmtp(prober).check(address).join();
            return new Outcome(r, trap.connections());
        }
    }

    /** With allow-private on, as in the test beds: only the address itself may stop the probe here. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            # address (\\r \\n \\0 written out)                | reason         | connection attempts
            # (also look-alikes: zero-width, bidi override, C1 NEL, a Greek question mark, a full-width trailing dot)
            user\\r\\n@loopback.hostile.test                    | INVALID_SYNTAX | 0
            user@loopback.hostile.test\\r\\nDATA                | INVALID_SYNTAX | 0
            us\\0er@loopback.hostile.test                       | INVALID_SYNTAX | 0
            '"a\\r\\nRCPT TO:<x@y.test>"@loopback.hostile.test' | INVALID_SYNTAX | 0
            '"a>b"@loopback.hostile.test'                       | UNVERIFIABLE   | 0
            '"<a"@loopback.hostile.test'                        | UNVERIFIABLE   | 0
            \u200b@loopback.hostile.test                       | INVALID_SYNTAX | 0
            gro\u202eup@loopback.hostile.test                  | INVALID_SYNTAX | 0
            us\u0085er@loopback.hostile.test                   | INVALID_SYNTAX | 0
            me.\u037e@loopback.hostile.test                    | INVALID_SYNTAX | 0
            user@loopback.hostile.test\uff0e                   | INVALID_SYNTAX | 0
            user@loopback.hostile.test                          | -              | 1
            """)
    void controlCharactersAndAngleBracketsNeverReachASocket(String written, String reason, int attempts) {
        String address = written.replace("\\r", "\r").replace("\\n", "\n").replace("\\0", "\0");
        Outcome o = check(address, true);
        if (!reason.equals("-")) {
            assertEquals(Reason.valueOf(reason), o.result.reason(), o.result::detail);
        }
        assertEquals(attempts, Math.min(1, o.attempts), "connection attempts");
    }

    @ParameterizedTest(name = "{0} ({1}), allow-private {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # domain                  | its MX address   | allow-private | attempts
            loopback.hostile.test     | 127.0.0.1        | false         | 0
            private.hostile.test      | 10.1.2.3         | false         | 0
            metadata.hostile.test     | 169.254.169.254  | false         | 0
            v6-loopback.hostile.test  | ::1              | false         | 0
            ula.hostile.test          | fd00::25         | false         | 0
            mapped.hostile.test       | ::ffff:127.0.0.1 | false         | 0
            6to4.hostile.test         | 2002:7f00:1::    | false         | 0
            6to4-metadata.hostile.test | 2002:a9fe:a9fe::1 | false        | 0
            translated.hostile.test   | ::ffff:0:7f00:1  | false         | 0
            teredo.hostile.test       | 2001:0:808:808::80ff:fffe | false | 0
            nat64.hostile.test        | 64:ff9b::a9fe:a9fe | false       | 0
            compatible.hostile.test   | ::7f00:1         | false         | 0
            6to4.hostile.test         | 2002:7f00:1::    | true          | 1
            private.hostile.test      | 10.1.2.3         | true          | 1
            """)
    void privateMxAddressesAreRefusedWithoutAConnectAttempt(String domain, String mxAddress, boolean allowPrivate,
                                                            int attempts) {
        Outcome o = check("user@" + domain, allowPrivate);
        if (!allowPrivate) {
            assertEquals(Reason.MX_PRIVATE_ADDRESS, o.result.reason(), o.result::detail);
            assertTrue(o.result.detail().contains(" resolves to "), o.result.detail());
        }
        assertEquals(mxAddress, o.result.mx().getFirst().addresses().getFirst());
        assertEquals(attempts, Math.min(1, o.attempts), "connection attempts");
    }
}
