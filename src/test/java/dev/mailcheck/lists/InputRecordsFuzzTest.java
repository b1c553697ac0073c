package dev.mailcheck.lists;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.testbed.FuzzBudget;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Any bytes in, one record per line out: the line reader against {@link BufferedReader#readLine()} on
 * the same decoded text as the reference, plain and gzipped; CSV input never throws.
 */
@AddLifecycleHook(FuzzBudget.class)
class InputRecordsFuzzTest {

    @Property
    void everyLineIsExactlyOneRecord(@ForAll("lists") byte[] bytes) throws IOException {
        assertOneRecordPerLine(bytes, bytes);
    }

    @Property
    void gzippedListsReadTheSame(@ForAll("lists") byte[] bytes) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(bytes);
        }
        assertOneRecordPerLine(gz.toByteArray(), bytes);
    }

    /** CSV input yields records, then ends or breaks off at a line it has reached; it throws nothing else. */
    @Property
    void csvEndsOrBreaksOffAtALine(@ForAll("lists") byte[] bytes) throws IOException {
        byte[] csv = concat("name,email\n".getBytes(StandardCharsets.US_ASCII), bytes);
        InputRecords records = new InputRecords(InputRecords.reader(new ByteArrayInputStream(csv)), InputRecords.Format.CSV,
                null);
        int n = 0;
        try {
            while (records.hasNext()) {
                InputRecords.Input r = records.next();
                assertNotNull(r.value());
                n++;
                assertTrue(n <= csv.length, "more records than bytes");
            }
        } catch (InputRecords.BrokeOff e) {
            assertTrue(e.line() >= 2 && e.line() <= csv.length + 1, e.getMessage());
            assertTrue(e.line() >= n + 2, "the break comes after the header and the records read: " + e.getMessage());
        }
    }

    private static void assertOneRecordPerLine(byte[] stored, byte[] plain) throws IOException {
        if (plain.length >= 2 && (plain[0] & 0xff) == 0x1f && (plain[1] & 0xff) == 0x8b) {
            return; // would be read as gzip: gzippedListsReadTheSame covers that
        }
        StringWriter decoded = new StringWriter();
        try (BufferedReader reader = InputRecords.reader(new ByteArrayInputStream(plain))) {
            reader.transferTo(decoded);
        }
        String text = decoded.toString();
        // A leading byte-order mark is not content: the lines are those of the text after it.
        List<String> expected = new ArrayList<>();
        try (BufferedReader reference = new BufferedReader(new StringReader(text.startsWith("\uFEFF") ? text.substring(1) : text))) {
            for (String line = reference.readLine(); line != null; line = reference.readLine()) {
                expected.add(line);
            }
        }
        InputRecords records = new InputRecords(InputRecords.reader(new ByteArrayInputStream(stored)),
                InputRecords.Format.LINES, "email");
        List<InputRecords.Input> actual = new ArrayList<>();
        records.forEachRemaining(actual::add);
        assertEquals(expected.size(), actual.size(), "one record per line");
        for (int i = 0; i < expected.size(); i++) {
            String line = expected.get(i);
            InputRecords.Input r = actual.get(i);
            if (line.length() <= InputRecords.MAX_LINE_CHARS) {
                assertEquals(line, r.value());
                assertNull(r.error());
            } else {
                assertEquals(line.substring(0, InputRecords.MAX_LINE_CHARS), r.value());
                assertTrue(r.error().contains("characters long"), r.error());
            }
        }
    }

    @Provide
    Arbitrary<byte[]> lists() {
        Arbitrary<byte[]> piece = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("user@example.com", "a@b.test", "", " ", "name,email", "\"x,y\"", "é@ü.de")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(4, Arbitraries.of("\n", "\r", "\r\n", "\n\r", "\u0000", "\ufeff", "\u2028", "\u0085")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(8)),
                Tuple.of(1, Arbitraries.integers().between(990, 3000).map(n -> "x".repeat(n).getBytes(StandardCharsets.US_ASCII))));
        return piece.list().ofMaxSize(40).map(parts -> concat(parts.toArray(byte[][]::new)));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
