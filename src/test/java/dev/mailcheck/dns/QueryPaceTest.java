package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * When the pace backs off: a run of failures that is also most of what the resolver answered lately (it
 * throttles), never a few broken zones' SERVFAILs that happen to come one after another among good answers.
 * Outcomes are written oldest first: {@code g} a good answer, {@code f} a failure (timeout, REFUSED, SERVFAIL).
 */
class QueryPaceTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                                  | outcomes                                             | backs off
            nothing yet                                             | ''                                                   | false
            two failures                                            | ff                                                   | false
            three failures, nothing else                            | fff                                                  | true
            a failure, then a good answer                           | fffg                                                 | false
            three broken zones in a row among good answers          | ggggggggggggggggggggggggggggggfff                    | false
            the same after a short list                             | ggggggggfff                                          | false
            every third answer a failure, for long                  | ggfggfggfggfggfggfggfggfggfggfggfggfggfggfggfggf     | false
            a resolver that starts throttling after good answers    | ggggggggggggggggggggggggggggggggfffffffffffffffff    | true
            one failure short of most of the window                 | ggggggggggggggggggggggggggggggggffffffffffffffff     | false
            a throttling resolver answers once, then throttles      | fffffffffgfff                                        | true
            """)
    void backsOffOnlyFromAResolverThatMostlyFails(String name, String outcomes, boolean backsOff) {
        QueryPace pace = new QueryPace(0);
        for (char c : outcomes.toCharArray()) {
            if (c == 'f') {
                pace.failed();
            } else {
                pace.answered();
            }
        }
        assertEquals(backsOff, pace.backingOff());
        assertEquals(backsOff, pace.reserve(Long.MAX_VALUE) > 0, "a send waits exactly while backing off");
    }

    /**
     * Sends asked for at once while backing off each wait the pause from then, not one after another: a list whose
     * first three answers were broken zones' SERVFAILs (nothing else answered yet, so they are all it has seen) had
     * the 64 sends of that moment queued 100 ms apart, and every one past the lookup's budget ended "no answer"
     * (MxResolverPaceTest#serverFailuresOfBrokenZonesDoNotSlowTheGoodOnes, now and then in CI).
     */
    @Test
    void sendsAskedForAtOnceShareOnePauseNotAQueueOfThem() {
        QueryPace pace = new QueryPace(0);
        pace.failed();
        pace.failed();
        pace.failed();
        long budget = TimeUnit.SECONDS.toNanos(1);
        for (int send = 0; send < 64; send++) {
            long wait = pace.reserve(budget);
            assertTrue(wait > 0 && wait <= QueryPace.FIRST_PAUSE_NANOS, "send " + send + " waits " + wait + " ns");
        }
    }
}
