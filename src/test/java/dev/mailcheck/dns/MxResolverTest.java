package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.testbed.Nsd;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The DNS stage against a real NSD serving src/test/resources/zones: one zone entry per scenario. */
class MxResolverTest {

    private static MxResolver resolver;

    @BeforeAll
    static void start() {
        resolver = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64);
    }

    @AfterAll
    static void stop() {
        resolver.close();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # domain                     | reason          | first MX host        | its addresses            | fallback | null MX ignored
            good.checker.test            | ACCEPTS_MAIL    | mx1.checker.test     | 192.0.2.1                | -        | false
            nullmx.checker.test          | NULL_MX         | -                    | -                        | -        | false
            nullmx-a.checker.test        | NULL_MX         | -                    | -                        | -        | false
            nullmx-10.checker.test       | NULL_MX         | -                    | -                        | -        | false
            nullmx-mixed.checker.test    | ACCEPTS_MAIL    | mx1.checker.test     | 192.0.2.1                | -        | true
            implicit-a.checker.test      | ACCEPTS_MAIL    | implicit-a.checker.test | 192.0.2.10            | A        | false
            implicit-aaaa.checker.test   | ACCEPTS_MAIL    | implicit-aaaa.checker.test | 2001:db8::10          | AAAA     | false
            txt-only.checker.test        | NO_MAIL_HOST    | -                    | -                        | -        | false
            absent.checker.test          | NO_SUCH_DOMAIN  | -                    | -                        | -        | false
            dangling.checker.test        | MX_UNRESOLVABLE | missing.checker.test |                          | -        | false
            half-dangling.checker.test   | ACCEPTS_MAIL    | missing.checker.test |                          | -        | false
            mx-cname.checker.test        | ACCEPTS_MAIL    | alias.checker.test   | 192.0.2.1                | -        | false
            ipv6-mx.checker.test         | ACCEPTS_MAIL    | mx6.checker.test     | 2001:db8::6              | -        | false
            cname-domain.checker.test    | ACCEPTS_MAIL    | mx1.checker.test     | 192.0.2.1                | -        | false
            mx-other-zone.checker.test   | ACCEPTS_MAIL    | mail.other.test      | 192.0.2.30               | -        | false
            xn--bcher-kva.checker.test   | ACCEPTS_MAIL    | mx1.checker.test     | 192.0.2.1                | -        | false
            servfail.test                | DNS_FAILURE     | -                    | -                        | -        | false
            mx-servfail.checker.test     | DNS_FAILURE     | mx.servfail.test     |                          | -        | false
            not-served.example           | DNS_FAILURE     | -                    | -                        | -        | false
            """)
    void scenario(String domain, Reason reason, String firstHost, String addresses, String fallback,
                  boolean nullMxIgnored) {
        MailDomain md = resolver.resolve(domain).join();
        assertEquals(reason, md.reason(), md::detail);
        assertEquals(fallback, md.fallback(), md::detail);
        assertEquals(nullMxIgnored, md.nullMxIgnored(), md::detail);
        if (firstHost == null) {
            assertTrue(md.mx().isEmpty(), md::toString);
        } else {
            assertEquals(firstHost, md.mx().getFirst().host());
            assertEquals(addresses == null ? List.of() : List.of(addresses.split(" ")), md.mx().getFirst().addresses());
        }
        assertTrue(md.detail().contains(domain), md::detail);
    }

    @Test
    void dualStackHostListsBothFamiliesInPreferenceOrder() {
        MailDomain md = resolver.resolve("good.checker.test").join();
        assertEquals(List.of(new MxHost(10, "mx1.checker.test", List.of("192.0.2.1")),
                new MxHost(20, "mx2.checker.test", List.of("192.0.2.2", "2001:db8::2"))), md.mx());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"2001:db8:0:0:0:0:0:1, 2001:db8::1", "::1, ::1", "::, ::", "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:1:1:1:1:1:0, 2001:db8:1:1:1:1:1:0", "fe80:0:0:0:0:0:0:0, fe80::", "2001:0:0:1:0:0:0:1, 2001:0:0:1::1"})
    void formatsIpv6AsRfc5952(String java, String expected) throws Exception {
        assertEquals(expected, MxResolver.rfc5952(InetAddress.getByName(java).getAddress()));
    }

    @Test
    void oneMxQueryPerDomainHoweverManyAskAtOnce() {
        try (MxResolver fresh = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64)) {
            List<String> domains = List.of("good.checker.test", "nullmx.checker.test", "absent.checker.test",
                    "implicit-a.checker.test", "servfail.test");
            List<CompletableFuture<MailDomain>> all = IntStream.range(0, 2_000)
                    .mapToObj(i -> fresh.resolve(domains.get(i % domains.size()))).toList();
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            assertEquals(domains.size(), fresh.mxQueries());
        }
    }

    /** The cache's clock is moved by hand: an answer lives for its DNS TTL, a negative or failed one for less. */
    @ParameterizedTest(name = "{0}: kept for {1} s")
    @CsvSource(delimiter = '|', textBlock = """
            # domain             | seconds kept | why
            nullmx.checker.test  | 3600         | the zone's TTL
            good.checker.test    | 300          | mx1 has no AAAA: the negative TTL of that answer
            absent.checker.test  | 300          | NXDOMAIN: the negative TTL
            servfail.test        | 30           | SERVFAIL: the failure TTL
            """)
    void answersLiveForTheirTtl(String domain, long ttl, String why) {
        AtomicLong nanos = new AtomicLong();
        try (MxResolver fresh = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 8,
                nanos::get, 10)) {
            CompletableFuture<MailDomain> first = fresh.resolve(domain);
            assertEquals(ttl, first.join().ttlSeconds(), why);
            nanos.set(TimeUnit.SECONDS.toNanos(ttl - 1));
            assertSame(first, fresh.resolve(domain));
            nanos.set(TimeUnit.SECONDS.toNanos(ttl + 1));
            CompletableFuture<MailDomain> again = fresh.resolve(domain);
            assertNotSame(first, again);
            assertEquals(first.join().reason(), again.join().reason());
        }
    }

    @ParameterizedTest(name = "at most {0} domains, {1} asked")
    @CsvSource({"1, 5", "3, 20", "20, 20"})
    void theCacheKeepsAtMostItsSize(long max, int asked) throws InterruptedException {
        try (MxResolver fresh = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 8,
                System::nanoTime, max)) {
            IntStream.range(0, asked).mapToObj(i -> fresh.resolve("d" + i + ".checker.test")).toList()
                    .forEach(CompletableFuture::join);
            // The cache weighs an answer once its own completion handler has run, a moment after join() returns.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (fresh.cachedDomains() != Math.min(max, asked) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(Math.min(max, asked), fresh.cachedDomains());
        }
    }

    @Test
    void silentServerIsADnsFailureNotAVerdict() throws Exception {
        // In-process fault: a socket that reads queries and never answers (a real server can't be told to).
        try (DatagramSocket blackHole = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             MxResolver slow = new MxResolver(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                     blackHole.getLocalPort())), Duration.ofMillis(400), 8)) {
            MailDomain md = slow.resolve("good.checker.test").join();
            assertEquals(Reason.DNS_FAILURE, md.reason());
            assertTrue(md.detail().contains("no answer within 400 ms"), md::detail);
        }
    }

    @Test
    void aPortWithNoServerFailsEveryLookupAtOnce() throws Exception {
        int closed;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        try (MxResolver nobody = new MxResolver(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), closed)),
                Duration.ofSeconds(20), 8)) {
            // Several at once: the ICMP error may surface on another query's send rather than on a read.
            List<CompletableFuture<MailDomain>> all = List.of("a.test", "b.test", "c.test", "d.test", "e.test").stream()
                    .map(nobody::resolve).toList();
            long started = System.nanoTime();
            for (CompletableFuture<MailDomain> f : all) {
                MailDomain md = f.join();
                assertEquals(Reason.DNS_FAILURE, md.reason());
                assertTrue(md.detail().contains("nothing listens on the DNS server's port"), md::detail);
            }
            assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos(), "none waited for its timeout");
        }
    }
}
