package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An MX address's state outlives neither its idle time nor the cache's bound, except while a session holds it: a
 * session may hold its host for many minutes (twenty transactions, each after a wait for a budget) without the cache
 * hearing of it. Time is Caffeine's ticker, moved by the test.
 */
class HostsTest {

    private static final int MAX_HOSTS = 4;
    private final AtomicLong now = new AtomicLong();
    private final Hosts hosts = new Hosts(1, now::get, MAX_HOSTS);

    enum During { IDLE_EXPIRY, OVERFLOW }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # while a session to the host is open          | meanwhile    | the session finds it dead
            it outlives the idle expiry                    | IDLE_EXPIRY  | false
            other hosts overflow the cache                 | OVERFLOW     | false
            it outlives the idle expiry, then is dead      | IDLE_EXPIRY  | true
            other hosts overflow the cache, then it is dead | OVERFLOW    | true
            """)
    void aHostWithASessionOpenKeepsItsLimitAndItsDeath(String scenario, During meanwhile, boolean dies) throws Exception {
        InetAddress busy = address(1);
        Hosts.Host host = hosts.of(busy);
        assertTrue(host.enter(() -> true));
        switch (meanwhile) {
            case IDLE_EXPIRY -> now.addAndGet(Hosts.IDLE_FOR.plusMinutes(1).toNanos());
            case OVERFLOW -> {
                for (int i = 2; i < 2 + 10 * MAX_HOSTS; i++) {
                    for (int asked = 0; asked < 3; asked++) { // asked more often than the busy host: likelier kept
                        Hosts.Host other = hosts.of(address(i));
                        assertTrue(other.enter(() -> true));
                        other.leave();
                    }
                }
            }
        }
        if (dies) {
            host.markDead("550 go away");
            host.leave();
            Hosts.Host again = hosts.of(busy);
            assertFalse(again.enter(() -> true), "a dead host is not dialed again");
            assertEquals("550 go away", again.brokeProtocol());
        } else {
            assertFalse(hosts.of(busy).enter(() -> false), "no second session beside the open one (one per host)");
            host.leave();
        }
    }

    /** Once no session holds it, a host's state goes as any idle entry's does, and the cache keeps its bound. */
    @Test
    void aHostNoSessionHoldsExpiresAndTheCacheStaysBounded() throws Exception {
        Hosts.Host host = hosts.of(address(1));
        assertTrue(host.enter(() -> true));
        host.markDead(null);
        host.leave();
        now.addAndGet(Hosts.IDLE_FOR.minus(Duration.ofSeconds(1)).toNanos());
        Hosts.Host again = hosts.of(address(1));
        assertSame(host, again, "kept while not idle for long");
        assertFalse(again.enter(() -> true));
        now.addAndGet(Hosts.IDLE_FOR.plusMinutes(1).toNanos());
        Hosts.Host after = hosts.of(address(1));
        assertNotSame(host, after, "gone once idle");
        assertTrue(after.enter(() -> true));
        after.leave();
        for (int i = 2; i < 2 + 10 * MAX_HOSTS; i++) {
            Hosts.Host other = hosts.of(address(i));
            assertTrue(other.enter(() -> true));
            other.leave();
        }
        assertTrue(hosts.size() <= MAX_HOSTS, hosts.size() + " hosts kept");
    }

    private static InetAddress address(int n) throws Exception {
        return InetAddress.getByAddress(new byte[] {127, 0, (byte) (n >> 8), (byte) n});
    }
}
