package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Query slots, one step at a time: a script of starts (F: a follow-up, N: a fresh query), releases (R)
 * and a close (C); after each step, which starts have run. A start here only records itself, as a
 * query that is sent and waits for its answer would.
 */
class QuerySlotsTest {

    @ParameterizedTest(name = "{0} slot(s): {1}")
    @CsvSource(textBlock = """
            # slots | steps                    | started after each step
              1     | N1 N2 N3                 | N1;N1;N1
              2     | N1 N2 N3 R R R           | N1;N1 N2;N1 N2;N1 N2 N3;N1 N2 N3;N1 N2 N3
              1     | N1 N2 F1 R               | N1;N1;N1;N1 F1
              1     | N1 N2 F1 R R             | N1;N1;N1;N1 F1;N1 F1 N2
              1     | N1 N2 N3 C               | N1;N1;N1;N1 N2 N3
              1     | N1 C N2                  | N1;N1;N1 N2
              3     | N1 R F1 F2 N2 N3 R N4    | N1;N1;N1 F1;N1 F1 F2;N1 F1 F2 N2;N1 F1 F2 N2;N1 F1 F2 N2 N3;N1 F1 F2 N2 N3
            """, delimiter = '|')
    void startsAsSlotsAllow(int slots, String steps, String expected) {
        QuerySlots q = new QuerySlots(slots);
        List<String> started = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String step : steps.split(" ")) {
            switch (step.charAt(0)) {
                case 'R' -> q.release();
                case 'C' -> q.close();
                default -> q.start(step.charAt(0) == 'F', () -> started.add(step));
            }
            seen.add(String.join(" ", started));
        }
        assertEquals(Arrays.asList(expected.split(";")), seen);
    }

    /**
     * Starts waiting behind busy slots, each of whose queries completes at once (as on a closed transport):
     * once the slots free, every one runs, one after another in a loop, not nested a hundred thousand deep.
     */
    @ParameterizedTest(name = "{0} starts through {1} slot(s)")
    @CsvSource(textBlock = """
            # starts | slots
              100000 | 1
              1000   | 4
            """, delimiter = '|')
    void startsThatFinishAtOnceAllRun(int starts, int slots) {
        QuerySlots q = new QuerySlots(slots);
        int[] depth = {0, 0};
        int[] ran = {0};
        for (int i = 0; i < slots; i++) {
            q.start(false, () -> { });
        }
        for (int i = 0; i < starts; i++) {
            q.start(false, () -> {
                ran[0]++;
                depth[0]++;
                depth[1] = Math.max(depth[1], depth[0]);
                q.release();
                depth[0]--;
            });
        }
        List<Integer> waited = List.of(ran[0], q.waiting());
        for (int i = 0; i < slots; i++) {
            q.release();
        }
        assertEquals(List.of(0, starts, starts, 1, 0), List.of(waited.get(0), waited.get(1), ran[0], depth[1], q.waiting()));
    }
}
