package dev.mailcheck.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Three domains at most: which stay, oldest first, after a run of puts (+a) and reads (?a). */
class RecentDomainsTest {

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # steps                    | kept after them | why
            +a +b +c                   | a b c           | within the bound nothing goes
            +a +b +c +d                | b c d           | the oldest unread one goes
            +a +b +c ?a +d             | c a d           | a was read: spared, b goes
            +a +b +c ?a ?b +d          | a b d           | a and b spared, c goes
            +a +b +c ?a ?b ?c +d       | b c d           | all read: every mark cleared, then the oldest goes
            +a +b +c ?a +d +e          | a d e           | a spared once, its mark cleared; c is older than d
            +a +b +c ?a +d +e +f       | d e f           | spared once: unread since, a goes in its turn
            +a +b +c ?a +d ?a +e +f    | e a f           | read again after its spare: spared again
            +a +b +c +a                | b c a           | put again (an expired answer asked anew): newest
            +a +b +c +a +d             | c a d           | and goes after those put before it
            ?x +a                      | a               | a read of a domain not kept keeps nothing
            """)
    void theOldestUnreadDomainGoesFirst(String steps, String kept, String why) {
        RecentDomains<String> recent = new RecentDomains<>(3);
        for (String step : steps.split(" ")) {
            String domain = step.substring(1);
            if (step.charAt(0) == '+') {
                recent.put(domain, "answer of " + domain);
            } else {
                String value = recent.get(domain);
                if (value != null) {
                    assertEquals("answer of " + domain, value);
                }
            }
        }
        List<String> domains = new ArrayList<>();
        recent.domains().forEach(domains::add);
        assertEquals(List.of(kept.split(" ")), domains, why);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # steps         | gone
            +a +b +c +d     | a
            +a +b +c ?a +d  | b
            """)
    void aDomainThatWentIsNotFound(String steps, String gone) {
        RecentDomains<String> recent = new RecentDomains<>(3);
        for (String step : steps.split(" ")) {
            if (step.charAt(0) == '+') {
                recent.put(step.substring(1), step);
            } else {
                recent.get(step.substring(1));
            }
        }
        assertNull(recent.get(gone));
    }
}
