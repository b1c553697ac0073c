package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientRateTest {

    /**
     * Six checks a minute for one client, on a clock the test moves: a burst of six, then one every 10 s; what
     * 429 says to wait is the time to the next one.
     */
    @Test
    void aBurstOfAMinutesWorthThenOneAtTheRate() {
        AtomicLong now = new AtomicLong(0);
        ClientRate rate = new ClientRate(6, now::get);
        for (int i = 0; i < 6; i++) {
            assertEquals(Optional.empty(), rate.take("192.0.2.1"), "check " + i);
        }
        assertEquals(Optional.of(Duration.ofSeconds(10)), rate.take("192.0.2.1"));
        // Another client has its own bucket.
        assertEquals(Optional.empty(), rate.take("192.0.2.2"));
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertEquals(Optional.of(Duration.ofSeconds(6)), rate.take("192.0.2.1"));
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        assertEquals(Optional.empty(), rate.take("192.0.2.1"));
        assertEquals(Optional.of(Duration.ofSeconds(10)), rate.take("192.0.2.1"));
        // A long quiet spell fills the bucket again, but no further than a minute's worth.
        now.addAndGet(Duration.ofHours(5).toNanos());
        for (int i = 0; i < 6; i++) {
            assertEquals(Optional.empty(), rate.take("192.0.2.1"), "check " + i);
        }
        assertEquals(Optional.of(Duration.ofSeconds(10)), rate.take("192.0.2.1"));
    }

    /** An IPv6 host usually has a whole /64: addresses within it share one bucket, other /64s do not. */
    @ParameterizedTest(name = "{0} then {1}: shared {2}")
    @CsvSource(delimiter = '|', textBlock = """
            2001:db8:1:2::1        | 2001:db8:1:2:ffff::9  | true
            2001:db8:1:2::1        | 2001:db8:1:3::1       | false
            192.0.2.1              | 192.0.2.2             | false
            """)
    void anIpv6ClientIsItsSlash64(String first, String second, boolean shared) {
        ClientRate rate = new ClientRate(1, () -> 0);
        assertEquals(Optional.empty(), rate.take(first));
        assertEquals(shared, rate.take(second).isPresent());
    }

    @Test
    void theRateIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> new ClientRate(0));
        assertThrows(IllegalArgumentException.class, () -> new ClientRate(ClientRate.MAX_PER_MINUTE + 1));
    }
}
