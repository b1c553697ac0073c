package dev.mailcheck.lists;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which domains' text a table keeps and copies, sighting by sighting: notes, keeps, spares, pushes out, bounds. */
class FragmentTableTest {

    /**
     * Each sighting is a domain's parts (a letter, the same objects each time) in a slot (a digit, 0 if none); each
     * writes {@code textBytes} of text unless the table copies its kept text. "copy" where the table copied it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                                               | sightings             | text bytes | written (- or copy)
            noted first, kept second, copied from the third      | A A A A               | 10         | - - copy copy
            a domain never copied is pushed out by the next miss | A B A A A             | 10         | - - - - copy
            other parts of the same domain are a miss            | A A C A               | 10         | - - - -
            a copied fragment is spared by one miss              | A A A B A             | 10         | - - copy - copy
            spared once, then pushed out by the second miss      | A A A B B A A A       | 10         | - - copy - - - - copy
            slots are apart                                      | A A B1 B1 A B1        | 10         | - - - - copy copy
            text at the bound is kept                            | A A A                 | 33554432   | - - copy
            text over the bound is never kept                    | A A A A               | 33554433   | - - - -
            kept text counts toward the bound across slots       | A A B1 B1 B1          | 20971520   | - - - - -
            text pushed out gives its bytes back                 | A A B B B             | 20971520   | - - - - copy
            """)
    void aDomainsTextIsKeptFromItsSecondSightingAndCopiedWhileItHoldsItsSlot(String name, String sightings,
            int textBytes, String expected) {
        FragmentTable table = new FragmentTable(4);
        JsonLine line = new JsonLine();
        Map<Character, Object> parts = new HashMap<>();
        List<String> written = new ArrayList<>();
        for (String sighting : sightings.split(" ")) {
            Object part = parts.computeIfAbsent(sighting.charAt(0), c -> new Object());
            int slot = sighting.length() > 1 ? sighting.charAt(1) - '0' : 0;
            byte[] text = new byte[textBytes];
            Arrays.fill(text, (byte) sighting.charAt(0));
            line.len = 0;
            FragmentTable.Fragment kept = table.kept(slot, part, null, null, null, null, null, null);
            if (kept != null) {
                assertArrayEquals(text, kept.text, name + ": the text kept for " + sighting);
                written.add("copy");
            } else {
                line.raw(text);
                table.keep(slot, part, null, null, null, null, null, null, line, 0, line.len, line.len);
                written.add("-");
            }
        }
        assertEquals(expected, String.join(" ", written), name);
    }

    /** A text in two pieces written apart (other text between them): kept as one, split where the first ends. */
    @Test
    void aTextOfTwoPiecesIsKeptWithWhereTheFirstEnds() {
        FragmentTable table = new FragmentTable(4);
        Object part = new Object();
        JsonLine line = new JsonLine();
        for (int sighting = 0; sighting < 2; sighting++) {
            line.len = 0;
            line.raw("{verdict,between,route".getBytes(StandardCharsets.US_ASCII));
            table.keep(1, part, null, null, null, null, null, null, line, 1, 9, 17);
        }
        FragmentTable.Fragment kept = table.kept(1, part, null, null, null, null, null, null);
        assertEquals("verdict,route", new String(kept.text, StandardCharsets.US_ASCII));
        assertEquals(8, kept.split);
    }

    /** Hashes apart only above the slot bits (the same slot if they were cut off) land in different slots. */
    @ParameterizedTest(name = "{0} and {1}")
    @CsvSource({"0, 65536", "1, 65537", "5, 1048581", "32767, -1"})
    void theHighBitsOfAHashSpreadItsSlot(int one, int two) {
        assertEquals(one & (FragmentTable.SLOTS - 1), two & (FragmentTable.SLOTS - 1), "the low bits alone collide");
        assertNotEquals(FragmentTable.spread(one), FragmentTable.spread(two));
    }
}
