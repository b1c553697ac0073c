package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientRateTest {

    /**
     * Six checks a minute (one per 10 s) for one client, on a clock the test sets. A request is
     * {@code SECOND:CHECKS} (taken) or {@code SECOND:?} (asked without taking, as serve does before it reads a
     * body); its answer is {@code ok} or the wait in seconds that a 429 would give as Retry-After.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a burst of a minute's worth, then a wait for the next check   | 0:1 0:1 0:1 0:1 0:1 0:1 0:1  | ok ok ok ok ok ok 10
            the wait is to the next check, not to a full bucket           | 0:6 4:1 10:1 10:1             | ok 6 ok 10
            a batch larger than the bucket is served from a full one      | 0:100                         | ok
            its debt delays the next requests: 94 owed, then one          | 0:100 0:1 949:1 950:1 950:1   | ok 950 1 ok 10
            a batch is served while one check is left                     | 0:5 0:10 0:1                  | ok ok 100
            a refused request costs nothing                               | 0:6 0:1000 5:1000 10:1        | ok 10 5 ok
            going quiet does not clear a debt                             | 0:100 120:1 900:?             | ok 830 50
            asking without taking costs nothing                           | 0:5 0:? 0:? 0:1 0:?           | ok ok ok ok 10
            a quiet spell refills no further than a full bucket           | 0:1 18000:6 18000:1           | ok ok 10
            a bucket full again is a new client's                         | 0:6 60:6 60:1                 | ok ok 10
            """)
    void scenario(String scenario, String requests, String answers) {
        AtomicLong now = new AtomicLong();
        ClientRate rate = new ClientRate(6, now::get);
        List<String> got = new ArrayList<>();
        for (String request : requests.split(" ")) {
            String[] r = request.split(":");
            now.set(Duration.ofSeconds(Long.parseLong(r[0])).toNanos());
            Optional<Duration> wait = r[1].equals("?") ? rate.waitFor("192.0.2.1")
                    : rate.take("192.0.2.1", Long.parseLong(r[1]));
            got.add(wait.map(w -> w.toSeconds() + (w.toNanosPart() > 0 ? "+" : "")).orElse("ok"));
        }
        assertEquals(List.of(answers.split(" ")), got);
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
        assertEquals(Optional.empty(), rate.take(first, 1));
        assertEquals(shared, rate.take(second, 1).isPresent());
    }

    @Test
    void theRateIsBounded() {
        assertThrows(IllegalArgumentException.class, () -> new ClientRate(0));
        assertThrows(IllegalArgumentException.class, () -> new ClientRate(ClientRate.MAX_PER_MINUTE + 1));
    }
}
