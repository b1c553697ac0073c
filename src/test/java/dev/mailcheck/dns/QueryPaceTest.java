package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
