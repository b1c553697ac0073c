package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The summary's count of unique domains: exact for a usual list, an estimate in fixed memory for a huge one. */
class SummaryTest {

    private static String domain(int i) {
        return "d" + i + ".example";
    }

    @ParameterizedTest(name = "{0} distinct domains")
    @CsvSource(delimiter = '|', textBlock = """
            # distinct  | exact | error allowed (of the count)
            0           | true  | 0
            1           | true  | 0
            9           | true  | 0
            16384       | true  | 0
            16385       | false | 0.03
            100000      | false | 0.03
            1000000     | false | 0.03
            """)
    void uniqueDomainsAreCountedExactlyUpToTheBoundThenEstimated(int distinct, boolean exact, double error) {
        Summary.DistinctCount count = new Summary.DistinctCount();
        for (int round = 0; round < 2; round++) { // every domain twice: repeats don't count
            for (int i = 0; i < distinct; i++) {
                count.add(domain(i));
            }
        }
        assertEquals(exact, count.exact());
        assertEquals(distinct, count.count(), distinct * error, () -> "estimate " + count.count());
    }

    /**
     * "an" and "c0" have one String.hashCode (97·31 + 110 = 99·31 + 48), so 2^15 domains of fifteen such blocks all
     * share one: counted from that hash, as for a while they were, the estimate was 1 (found by a review).
     */
    @Test
    void domainsWhoseJavaHashesCollideAreStillCountedApart() {
        Summary.DistinctCount count = new Summary.DistinctCount();
        int distinct = 1 << 15;
        for (int i = 0; i < distinct; i++) {
            StringBuilder d = new StringBuilder();
            for (int block = 0; block < 15; block++) {
                d.append((i >> block & 1) == 0 ? "an" : "c0");
            }
            count.add(d.append(".test").toString());
        }
        assertEquals(distinct, count.count(), distinct * 0.03, () -> "estimate " + count.count());
    }

    /** Before: every distinct domain stayed in a set until the run ended, growing with the list. */
    @Test
    void pastTheBoundNoDomainIsKept() {
        Summary.DistinctCount count = new Summary.DistinctCount();
        WeakReference<String> first = addOwnCopy(count, domain(0));
        for (int i = 1; i <= 2 * Summary.DistinctCount.EXACT_UP_TO; i++) {
            count.add(domain(i));
        }
        for (int i = 0; i < 10 && first.get() != null; i++) {
            System.gc();
        }
        assertNull(first.get(), "the count still holds the first domain");
    }

    /** Adds a string that only the count can reach from now on. */
    private static WeakReference<String> addOwnCopy(Summary.DistinctCount count, String value) {
        String own = new String(value.toCharArray());
        count.add(own);
        return new WeakReference<>(own);
    }
}
