package dev.mailcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Counts summed per group, most held back first; past 50 groups the rest are one "(other groups)" entry. */
class HeldBackTest {

    @ParameterizedTest(name = "{0} groups -> {1} entries, the last {2}")
    @CsvSource(textBlock = """
            1,  1,  g00
            50, 50, g49
            51, 50, (other groups)
            80, 50, (other groups)
            """)
    void groupsAreSummedAndBounded(int groups, int entries, String last) {
        List<HeldBack> counts = new ArrayList<>();
        // each group twice (two chunks), group i held back 1000 - i addresses in all, so g00 comes first
        IntStream.range(0, groups).forEach(i -> {
            counts.add(new HeldBack("g%02d".formatted(i), 1, 499 - i));
            counts.add(new HeldBack("g%02d".formatted(i), 0, 500));
        });
        List<HeldBack> sum = HeldBack.sum(counts);
        assertEquals(entries, sum.size());
        assertEquals(new HeldBack("g00", 1, 999), sum.getFirst());
        assertEquals(last, sum.getLast().group());
        assertEquals(groups, sum.stream().mapToLong(HeldBack::notTried).sum(), "nothing is lost");
        assertEquals(sum, HeldBack.sum(sum), "summing again changes nothing");
        assertEquals(sum.stream().map(h -> new HeldBack(h.group(), 2 * h.notTried(), 2 * h.waited())).toList(),
                HeldBack.sum(Stream.concat(sum.stream(), sum.stream()).toList()), "two chunks' sums summed");
    }
}
