package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.dns.TransportSecurity.Dnssec;
import dev.mailcheck.testbed.DnssecZones;
import dev.mailcheck.testbed.FakeDnsServer;
import dev.mailcheck.testbed.Unbound;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * The transport-security report against real servers: zones signed by ldnsutils at test time, served by NSD, behind
 * a validating Unbound that trusts their keys, a non-validating one, or nothing in front (see {@link DnssecZones}).
 */
class TransportSecurityLookupTest {

    @ParameterizedTest(name = "{2} via {0} (validates: {1}) -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # resolver     | validates | domain              | dnssec   | dane  | mta_sts | tls_rpt | detail says
            validating     | true      | secure.test         | SECURE   | true  | true    | true    | validated
            validating     | false     | secure.test         | SECURE   | true  | true    | true    | AD bit
            validating     | true      | implicit.secure.test| SECURE   | true  | false   | false   | validated
            validating     | true      | bare.secure.test    | SECURE   | false | false   | false   | validated
            validating     | true      | absent.secure.test  | SECURE   | false | false   | false   | validated
            validating     | true      | plain.test          | INSECURE | false | false   | false   | not signed
            validating     | true      | dane.plain.test     | INSECURE | true  | true    | false   | only when they validate
            validating     | false     | plain.test          | UNKNOWN  | false | false   | false   | not known to validate
            validating     | true      | bogus.test          | UNKNOWN  | -     | -       | -       | SERVFAIL
            validating     | true      | servfail.test       | UNKNOWN  | -     | -       | -       | SERVFAIL
            non-validating | false     | secure.test         | UNKNOWN  | true  | true    | true    | not known to validate
            non-validating | false     | bogus.test          | UNKNOWN  | true  | true    | true    | not known to validate
            non-validating | false     | plain.test          | UNKNOWN  | false | false   | false   | not known to validate
            authoritative  | false     | secure.test         | UNKNOWN  | true  | true    | true    | not known to validate
            nobody         | true      | secure.test         | UNKNOWN  | -     | -       | -       | failed
            """)
    void scenario(String resolver, boolean validates, String domain, Dnssec dnssec, Boolean dane, Boolean mtaSts,
                  Boolean tlsRpt, String detail) throws IOException {
        try (TransportSecurityLookup lookup = new TransportSecurityLookup(List.of(server(resolver)),
                Duration.ofSeconds(3), 16, validates)) {
            TransportSecurity report = lookup.lookup(domain).join();
            assertEquals(new TransportSecurity(dnssec, dane, mtaSts, tlsRpt, report.detail()), report);
            assertTrue(report.detail().contains(detail), report.detail());
        }
    }

    /**
     * Signed answers are large, so they come over TCP: a server that truncates over UDP and then drips its TCP
     * answer a byte at a time ends within the lookup's budget, on the MX stage's TCP client held to the deadline,
     * and the report names the budget. (Before, a timeout on top of dnsjava's own TCP client answered the caller
     * in time, "no answer in time", while that client's connection stayed open for as long as bytes came.)
     */
    @ParameterizedTest(name = "a byte every {0} ms")
    @CsvSource({"100", "300"})
    void aDrippedTcpAnswerEndsWithinTheBudget(long perByteMs) throws Exception {
        Duration budget = Duration.ofSeconds(2);
        try (FakeDnsServer server = new FakeDnsServer((q, t) -> {
                 Message m = FakeDnsServer.reply(q, Rcode.NOERROR);
                 if (t == FakeDnsServer.Transport.UDP) {
                     m.getHeader().setFlag(Flags.TC);
                 }
                 return m.toWire();
             }).dripTcp(Duration.ofMillis(perByteMs));
             TransportSecurityLookup lookup = new TransportSecurityLookup(List.of(server.address()), budget, 16, true)) {
            long started = System.nanoTime();
            TransportSecurity report = lookup.lookup("drip.test").get(60, TimeUnit.SECONDS);
            long elapsed = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertTrue(elapsed < budget.toMillis() + 500, elapsed + " ms");
            assertEquals(Dnssec.UNKNOWN, report.dnssec(), report.detail());
            assertTrue(report.detail().contains("no answer within " + budget.toMillis() + " ms"), report.detail());
        }
    }

    /** RFC 8461 §3.1 and RFC 8460 §3: records without the version are discarded, exactly one valid one must be left. */
    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # record  | TXT records (separated by &&)                    | a policy?
            mta-sts   | v=STSv1; id=20260101T000000                  | true
            mta-sts   | v=STSv1;id=abc;                              | true
            mta-sts   | v=STSv1; id=abc; ext=1                       | true
            mta-sts   | spf-like text&&v=STSv1; id=abc               | true
            mta-sts   | v=STSv1; id=abc&&v=STSv1; id=def             | false
            mta-sts   | v=STSv1                                      | false
            mta-sts   | v=STSv1; id=                                 | false
            mta-sts   | v=STSv1; id=abc-def                          | false
            mta-sts   | v=STSv1; id=123456789012345678901234567890123 | false
            mta-sts   | v=STSv2; id=abc                              | false
            mta-sts   | ' v=STSv1; id=abc'                           | false
            tls-rpt   | v=TLSRPTv1; rua=mailto:tls@example.com       | true
            tls-rpt   | v=TLSRPTv1;rua=https://reports.example.com/  | true
            tls-rpt   | v=TLSRPTv1;                                  | false
            tls-rpt   | v=TLSRPTv1; rua=                             | false
            tls-rpt   | v=TLSRPTv1; rua=a&&v=TLSRPTv1; rua=b         | false
            tls-rpt   | v=STSv1; id=abc                              | false
            """)
    void policyRecord(String record, String texts, boolean policy) {
        List<String> records = List.of(texts.split("&&"));
        assertEquals(policy, record.equals("mta-sts") ? TransportSecurityLookup.mtaSts(records)
                : TransportSecurityLookup.tlsRpt(records));
    }

    private static InetSocketAddress server(String kind) throws IOException {
        return switch (kind) {
            case "validating" -> Unbound.validating().address();
            case "non-validating" -> Unbound.nonValidating().address();
            case "authoritative" -> DnssecZones.shared().nsd().address();
            // Port 1: a port just freed can be taken by another test's DNS server before the lookup asks it.
            case "nobody" -> new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
