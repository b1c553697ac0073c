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
import java.util.Optional;
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

    /** As the test beds run: the zones' mail hosts are on loopback and documentation addresses. */
    private static MxResolver resolver;
    /** As deployed: an MX host must have a global address. */
    private static MxResolver strict;

    @BeforeAll
    static void start() {
        resolver = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, true);
        strict = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, false);
    }

    @AfterAll
    static void stop() {
        resolver.close();
        strict.close();
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

    /** One domain per range that is not on the Internet (zone private.test); each takes mail with --allow-private-mx. */
    @ParameterizedTest(name = "{0}.private.test -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # domain      | reason without --allow-private-mx | the detail says
            loopback      | MX_PRIVATE_ADDRESS | mx-loopback.private.test resolves to 127.0.0.1 (loopback)
            loopback-8    | MX_PRIVATE_ADDRESS | 127.9.9.9 (loopback)
            this-network  | MX_PRIVATE_ADDRESS | 0.1.2.3 (unspecified ("this network"))
            rfc1918-10    | MX_PRIVATE_ADDRESS | 10.1.2.3 (private (RFC 1918))
            rfc1918-172   | MX_PRIVATE_ADDRESS | 172.16.5.5 (private (RFC 1918))
            rfc1918-192   | MX_PRIVATE_ADDRESS | 192.168.1.25 (private (RFC 1918))
            link-local    | MX_PRIVATE_ADDRESS | 169.254.169.254 (link-local (cloud metadata lives here))
            cgnat         | MX_PRIVATE_ADDRESS | 100.64.0.25 (carrier-grade NAT (RFC 6598))
            test-net-1    | MX_PRIVATE_ADDRESS | 192.0.2.25 (documentation (TEST-NET-1))
            test-net-2    | MX_PRIVATE_ADDRESS | 198.51.100.25 (documentation (TEST-NET-2))
            test-net-3    | MX_PRIVATE_ADDRESS | 203.0.113.25 (documentation (TEST-NET-3))
            benchmarking  | MX_PRIVATE_ADDRESS | 198.18.0.25 (benchmarking (RFC 2544))
            multicast     | MX_PRIVATE_ADDRESS | 224.0.0.25 (multicast)
            reserved      | MX_PRIVATE_ADDRESS | 240.0.0.25 (reserved)
            v6-loopback   | MX_PRIVATE_ADDRESS | ::1 (loopback)
            ula           | MX_PRIVATE_ADDRESS | fd00::25 (unique local (ULA))
            v6-link-local | MX_PRIVATE_ADDRESS | fe80::25 (link-local)
            site-local    | MX_PRIVATE_ADDRESS | fec0::25 (site-local (deprecated))
            v6-doc        | MX_PRIVATE_ADDRESS | 2001:db8::25 (documentation)
            v6-doc-3fff   | MX_PRIVATE_ADDRESS | 3fff::25 (documentation (RFC 9637))
            discard       | MX_PRIVATE_ADDRESS | 100::25 (discard-only)
            mapped        | MX_PRIVATE_ADDRESS | ::ffff:10.0.0.25 (private (RFC 1918))
            translated    | MX_PRIVATE_ADDRESS | ::ffff:0:7f00:1 (IPv4-translated 127.0.0.1, loopback)
            compatible    | MX_PRIVATE_ADDRESS | ::7f00:1 (IPv4-compatible 127.0.0.1, loopback)
            6to4          | MX_PRIVATE_ADDRESS | 2002:7f00:1:: (6to4 127.0.0.1, loopback)
            6to4-metadata | MX_PRIVATE_ADDRESS | 2002:a9fe:a9fe::1 (6to4 169.254.169.254, link-local
            teredo        | MX_PRIVATE_ADDRESS | 2001:0:808:808::80ff:fffe (Teredo client 127.0.0.1, loopback)
            nat64         | MX_PRIVATE_ADDRESS | 64:ff9b::a00:19 (NAT64 10.0.0.25, private (RFC 1918))
            nat64-local   | MX_PRIVATE_ADDRESS | 64:ff9b:1::808:808 (local-use IPv4/IPv6 translation)
            both-private  | MX_PRIVATE_ADDRESS | 127.0.0.1 (loopback); mx-rfc1918-10.private.test resolves to 10.1.2.3
            dual-private  | MX_PRIVATE_ADDRESS | 10.0.0.25 (private (RFC 1918)) and 1 more such
            implicit      | MX_PRIVATE_ADDRESS | its own address (implicit MX) is not on the Internet
            mix           | ACCEPTS_MAIL       | goes to mx-global.private.test (preference 20). Not on the Internet, so left out: mx-loopback
            """)
    void anMxHostWithoutAGlobalAddressTakesNoMail(String name, Reason reason, String says) {
        String domain = name + ".private.test";
        MailDomain md = strict.resolve(domain).join();
        assertEquals(reason, md.reason(), md::detail);
        assertTrue(md.detail().contains(says), md::detail);
        MailDomain allowed = resolver.resolve(domain).join();
        assertEquals(Reason.ACCEPTS_MAIL, allowed.reason(), allowed::detail);
        assertEquals(md.mx(), allowed.mx(), "the hosts are listed either way");
    }

    @Test
    void dualStackHostListsBothFamiliesInPreferenceOrder() {
        MailDomain md = resolver.resolve("good.checker.test").join();
        assertEquals(List.of(new MxHost(10, "mx1.checker.test", List.of("192.0.2.1")),
                new MxHost(20, "mx2.checker.test", List.of("192.0.2.2", "2001:db8::2"))), md.mx());
    }

    @Test
    void oneMxQueryPerDomainHoweverManyAskAtOnce() {
        try (MxResolver fresh = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, true)) {
            List<String> domains = List.of("good.checker.test", "nullmx.checker.test", "absent.checker.test",
                    "implicit-a.checker.test", "servfail.test");
            List<CompletableFuture<MailDomain>> all = IntStream.range(0, 2_000)
                    .mapToObj(i -> fresh.resolve(domains.get(i % domains.size()))).toList();
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            assertEquals(domains.size(), fresh.mxQueries());
        }
    }

    /**
     * What follows an answer (the hosts' lookups, the judgement, the callers' own steps) runs on the hand-off
     * thread, not on the socket reader, which only reads, decodes and sends. A lookup answered before the caller's
     * step is added runs that step on the caller's thread instead.
     */
    @Test
    void anAnswersConsequencesRunOffTheSocketReaders() {
        try (MxResolver fresh = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, true)) {
            String caller = Thread.currentThread().getName();
            for (String domain : List.of("good.checker.test", "implicit-a.checker.test", "absent.checker.test")) {
                String ranOn = fresh.resolve(domain).thenApply(md -> Thread.currentThread().getName()).join();
                assertTrue(ranOn.equals("dns-answers") || ranOn.equals(caller), domain + " went on on " + ranOn);
            }
        }
    }

    /** Domains sharing an MX host, asked at once, as a provider's customers come in a list: A and AAAA once. */
    @ParameterizedTest(name = "{0} domains on mx1")
    @CsvSource({"1", "2", "400"})
    void oneAddressLookupPerSharedMxHost(int copies) {
        try (MxResolver fresh = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, true)) {
            List<String> onMx1 = List.of("nullmx-mixed.checker.test", "xn--bcher-kva.checker.test");
            List<CompletableFuture<MailDomain>> all = IntStream.range(0, copies)
                    .mapToObj(i -> fresh.resolve(onMx1.get(i % onMx1.size()))).toList();
            all.forEach(f -> assertEquals(Reason.ACCEPTS_MAIL, f.join().reason(), f.join()::detail));
            assertEquals(2, fresh.addressQueries());
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
    void answersLiveForTheirTtl(String domain, long ttl, String why) throws InterruptedException {
        AtomicLong nanos = new AtomicLong();
        try (MxResolver fresh = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 8, true,
                nanos::get, 10, 0)) {
            CompletableFuture<MailDomain> first = fresh.resolve(domain);
            assertEquals(ttl, first.join().ttlSeconds(), why);
            // join() can return before the cache's own completion handler has timed the entry: wait for it, or the
            // clock moved below would start the answer's life late (seen once in a full run).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (fresh.expiresAfter(domain).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(Optional.of(Duration.ofSeconds(ttl)), fresh.expiresAfter(domain));
            nanos.set(TimeUnit.SECONDS.toNanos(ttl - 1));
            assertSame(first, fresh.resolve(domain));
            nanos.set(TimeUnit.SECONDS.toNanos(ttl + 1));
            CompletableFuture<MailDomain> again = fresh.resolve(domain);
            assertNotSame(first, again);
            assertEquals(first.join().reason(), again.join().reason());
        }
    }

    /**
     * A resolver for one list keeps no domain (the list run does): asked twice, it asks DNS twice, and the answer may
     * be reused for its whole TTL; a resolver that keeps them asks once, and what is left of its copy's life counts.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # resolver          | MX queries for two asks | reusable for (s)
            for one list        | 2                       | 3600
            keeping domains     | 1                       | 3600
            """)
    void aResolverForOneListKeepsNoDomain(String kind, long queries, long reusableSeconds) throws InterruptedException {
        List<InetSocketAddress> nsd = List.of(Nsd.shared().address());
        try (MxResolver fresh = kind.equals("for one list") ? MxResolver.forOneList(nsd, Duration.ofSeconds(3), 8, true, 0)
                : new MxResolver(nsd, Duration.ofSeconds(3), 8, true)) {
            MailDomain first = fresh.resolve("nullmx.checker.test").join();
            // A kept answer is timed by the cache's own completion handler, a moment after join() returns.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (queries == 1 && fresh.expiresAfter("nullmx.checker.test").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long reusable = fresh.reusableNanos("nullmx.checker.test", first);
            assertTrue(reusable <= TimeUnit.SECONDS.toNanos(reusableSeconds)
                    && reusable > TimeUnit.SECONDS.toNanos(reusableSeconds - 60), reusable + " ns");
            assertEquals(first.reason(), fresh.resolve("nullmx.checker.test").join().reason());
            assertEquals(queries, fresh.mxQueries());
            assertEquals(queries == 1 ? 1 : 0, fresh.cachedDomains());
        }
    }

    @ParameterizedTest(name = "at most {0} domains, {1} asked")
    @CsvSource({"1, 5", "3, 20", "20, 20"})
    void theCacheKeepsAtMostItsSize(long max, int asked) throws InterruptedException {
        try (MxResolver fresh = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 8, true,
                System::nanoTime, max, 0)) {
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
                     blackHole.getLocalPort())), Duration.ofMillis(400), 8, false)) {
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
                Duration.ofSeconds(20), 8, false)) {
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
