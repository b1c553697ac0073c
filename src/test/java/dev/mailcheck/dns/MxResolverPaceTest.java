package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.testbed.FakeDnsServer;
import dev.mailcheck.testbed.Nsd;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Rcode;

/** The DNS packet budget (--dns-qps) against NSD, and the back-off from a throttling resolver (scripted). */
class MxResolverPaceTest {

    /** Six domains that do not exist: one MX query each, all asked at once. */
    @ParameterizedTest(name = "{0} qps: at least {1} ms, at most {2} ms")
    @CsvSource(textBlock = """
            10, 500, 5000
            0,  0,   450
            """)
    void theQueryBudgetSpacesPackets(int qps, long atLeastMs, long atMostMs) {
        try (MxResolver dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3), 64, true, qps)) {
            long start = System.nanoTime();
            List<CompletableFuture<MailDomain>> all = IntStream.range(0, 6)
                    .mapToObj(i -> dns.resolve("no-such-" + qps + "-" + i + ".checker.test")).toList();
            all.forEach(f -> assertEquals(Reason.NO_SUCH_DOMAIN, f.join().reason(), f.join().detail()));
            long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(elapsed >= atLeastMs && elapsed <= atMostMs, elapsed + " ms");
            assertEquals(6, dns.mxQueries());
        }
    }

    /**
     * A resolver that answers REFUSED to everything (throttling): the first failures go out at once, then
     * each packet waits a doubling pause; the first good answer ends the back-off.
     */
    @Test
    void aThrottlingResolverIsBackedOffFrom() {
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        boolean[] refusing = {true};
        try (FakeDnsServer server = new FakeDnsServer((q, t) -> {
            arrivals.add(System.nanoTime());
            return FakeDnsServer.reply(q, refusing[0] ? Rcode.REFUSED : Rcode.NXDOMAIN).toWire();
        });
             MxResolver dns = new MxResolver(List.of(server.address()), Duration.ofSeconds(5), 8, true, 0)) {
            for (int i = 0; i < 6; i++) {
                assertEquals(Reason.DNS_FAILURE, dns.resolve("throttled" + i + ".checker.test").join().reason());
            }
            long firstThree = arrivals.get(2) - arrivals.get(0);
            long fifthToSixth = arrivals.get(5) - arrivals.get(4);
            assertTrue(Duration.ofNanos(firstThree).toMillis() < 100, "no pause before the burst");
            assertTrue(Duration.ofNanos(fifthToSixth).toMillis() >= 350, "a doubling pause: " + fifthToSixth / 1_000_000);
            refusing[0] = false;
            assertEquals(Reason.NO_SUCH_DOMAIN, dns.resolve("recovered.checker.test").join().reason());
            long before = System.nanoTime();
            assertEquals(Reason.NO_SUCH_DOMAIN, dns.resolve("recovered2.checker.test").join().reason());
            assertTrue(Duration.ofNanos(System.nanoTime() - before).toMillis() < 100, "the back-off ended");
        }
    }

    /**
     * Broken zones are not a throttling resolver: a list where three SERVFAIL domains come before every twenty
     * good ones, all asked at once. Three SERVFAILs in a row used to start the back-off, whose pauses added up
     * past the lookups' budget: good domains then ended "no answer within 1000 ms" (in a 1,000,000-address
     * benchmark list, 200 to 600 of them, and the run waited 5 s for them).
     */
    @Test
    void serverFailuresOfBrokenZonesDoNotSlowTheGoodOnes() {
        try (MxResolver dns = new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(1), 64, true, 0)) {
            List<String> domains = IntStream.range(0, 40).boxed().flatMap(block -> IntStream.range(0, 23).mapToObj(i ->
                    i < 3 ? "broken" + block + "-" + i + "." + Nsd.SERVFAIL_ZONE : "absent" + block + "-" + i + ".checker.test"))
                    .toList();
            List<CompletableFuture<MailDomain>> all = domains.stream().map(dns::resolve).toList();
            for (int i = 0; i < domains.size(); i++) {
                MailDomain md = all.get(i).join();
                Reason expected = domains.get(i).endsWith(Nsd.SERVFAIL_ZONE) ? Reason.DNS_FAILURE : Reason.NO_SUCH_DOMAIN;
                assertEquals(expected, md.reason(), domains.get(i) + ": " + md.detail());
                assertTrue(expected == Reason.NO_SUCH_DOMAIN || md.detail().contains("SERVFAIL"), md.detail());
            }
        }
    }

    /**
     * A resolver that times out everything, and a list of many domains: the back-off's pauses are waited
     * within each lookup's own budget. Before, they queued one behind another outside it (2 s each at most,
     * for every packet of the list), so a dead resolver held a list of N domains for about 2 s x N.
     */
    @Test
    void theBackOffIsWaitedWithinEachLookupsBudget() {
        try (FakeDnsServer server = new FakeDnsServer((q, t) -> null);
             MxResolver dns = new MxResolver(List.of(server.address()), Duration.ofMillis(400), 4, true, 0)) {
            long start = System.nanoTime();
            List<CompletableFuture<MailDomain>> all = IntStream.range(0, 40)
                    .mapToObj(i -> dns.resolve("silent" + i + ".checker.test")).toList();
            all.forEach(f -> assertEquals(Reason.DNS_FAILURE, f.join().reason(), f.join().detail()));
            long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
            // 40 lookups, 4 at a time, 400 ms each: about 4 s; a guard with room for a loaded machine.
            assertTrue(elapsed < 15_000, elapsed + " ms");
        }
    }
}
