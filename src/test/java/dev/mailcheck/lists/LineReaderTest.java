package dev.mailcheck.lists;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Lines read through {@link LineReader}'s buffer, its edges put anywhere in the text. Read as records, through
 * {@link InputRecords}: its first line is read char by char and the rest in bulk, and every record must be the
 * line {@link java.io.BufferedReader#readLine()} reads, across the two.
 */
class LineReaderTest {

    private static List<String> values(InputRecords records) {
        List<String> out = new ArrayList<>();
        records.forEachRemaining(r -> out.add(r.error() == null ? r.value() : "ERROR " + r.error()));
        return out;
    }

    /**
     * Lines after the first are read through a buffer: every line end and line falls on every edge of it here (a
     * buffer of 1 to 6 chars, 16, and the default), and reads as {@link java.io.BufferedReader#readLine()} reads it.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '!', textBlock = """
            # case                                ! text (\\r, \\n as written)               ! records (| between)
            LF                                    ! a@x.test\\nb@y.test\\nc@z.test\\n              ! a@x.test|b@y.test|c@z.test
            CRLF, split across fills              ! a@x.test\\r\\nb@y.test\\r\\nc@z.test\\r\\n     ! a@x.test|b@y.test|c@z.test
            CR alone                              ! a@x.test\\rb@y.test\\rc@z.test\\r              ! a@x.test|b@y.test|c@z.test
            LF CR is two line ends                ! a@x.test\\n\\rb@y.test\\n\\rc@z.test           ! a@x.test||b@y.test||c@z.test
            CR CR LF: an empty line               ! a@x.test\\r\\r\\nb@y.test\\r\\r\\n             ! a@x.test||b@y.test|
            last line without a line end          ! a@x.test\\nb@y.test\\nc@z.test                 ! a@x.test|b@y.test|c@z.test
            empty lines                           ! a@x.test\\n\\n\\nb@y.test\\n\\n              ! a@x.test|||b@y.test|
            empty lines after a CR                ! a@x.test\\r\\r\\rb@y.test\\r                 ! a@x.test|||b@y.test
            CRLF at the end of the file           ! a@x.test\\nb@y.test\\r\\n                     ! a@x.test|b@y.test
            only the first line                   ! a@x.test\\r\\n                               ! a@x.test
            """)
    void linesReadThroughTheBufferEndAtLfCrOrCrlfWhereverItsEdgesFall(String name, String text, String records)
            throws IOException {
        String decoded = text.replace("\\r", "\r").replace("\\n", "\n");
        List<String> expected = Arrays.asList(records.split("\\|", -1));
        assertEquals(expected, decoded.lines().toList(), "the table agrees with String.lines");
        for (Charset charset : List.of(StandardCharsets.UTF_8, StandardCharsets.UTF_16)) { // UTF_16: with its BOM
            for (int size : new int[] {1, 2, 3, 4, 5, 6, 16, LineReader.BUFFER_CHARS}) {
                InputRecords read = new InputRecords(InputRecords.reader(new ByteArrayInputStream(decoded.getBytes(charset))),
                        InputRecords.Format.AUTO, null, size);
                assertEquals(expected, values(read), charset + ", a buffer of " + size);
            }
        }
    }

    /** A line longer than the buffer keeps its first 1,000 chars and counts all of them, whatever the buffer. */
    @ParameterizedTest(name = "a line of {0} chars, buffer {1}")
    @CsvSource({
            "999,   7",
            "1000,  7",
            "1001,  7",
            "1001,  1000",
            "1001,  1001",
            "5000,  999",
            "5000,  16384",
            "70000, 16384",
            "70000, 1"})
    void aLineLongerThanTheBufferKeepsItsStartAndCountsItsLength(int length, int bufferChars) throws IOException {
        String line = IntStream.range(0, length).mapToObj(i -> String.valueOf((char) ('a' + i % 26)))
                .collect(Collectors.joining());
        for (String end : List.of("\n", "\r", "\r\n", "")) {
            String text = "first@x.test\n" + line + end + "b@y.test" + end;
            if (end.isEmpty()) {
                text = "first@x.test\n" + line;
            }
            List<InputRecords.Input> read = new ArrayList<>();
            new InputRecords(InputRecords.reader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))),
                    InputRecords.Format.LINES, null, bufferChars).forEachRemaining(read::add);
            String at = "line end " + end.replace("\r", "CR").replace("\n", "LF");
            assertEquals(end.isEmpty() ? 2 : 3, read.size(), at);
            assertEquals(new InputRecords.Input("first@x.test", null), read.getFirst(), at);
            InputRecords.Input longOne = read.get(1);
            if (length <= InputRecords.MAX_LINE_CHARS) {
                assertEquals(new InputRecords.Input(line, null), longOne, at);
            } else {
                assertEquals(line.substring(0, InputRecords.MAX_LINE_CHARS), longOne.value(), at);
                assertTrue(longOne.error().startsWith(String.format(Locale.ROOT, "This line is %,d characters long", length)),
                        at + ": " + longOne.error());
            }
            if (!end.isEmpty()) {
                assertEquals(new InputRecords.Input("b@y.test", null), read.get(2), at);
            }
        }
    }

    /** A gzip list cut short mid-line: whole lines before the break, none after, and the break at the next line. */
    @ParameterizedTest(name = "buffer {0}")
    @CsvSource({"1", "7", "1000", "16384"})
    void aGzipListCutMidLineBreaksOffAtTheLineAfterTheLastWholeOne(int bufferChars) throws IOException {
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(whole)) {
            for (int i = 0; i < 50_000; i++) {
                gz.write(("user" + i + "@example.com\r\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] cut = Arrays.copyOf(whole.toByteArray(), whole.size() / 2);
        InputRecords records = new InputRecords(InputRecords.reader(new ByteArrayInputStream(cut)), InputRecords.Format.AUTO,
                null, bufferChars);
        List<String> read = new ArrayList<>();
        InputRecords.BrokeOff e = assertThrows(InputRecords.BrokeOff.class, () -> records.forEachRemaining(r -> read.add(r.value())));
        assertTrue(read.size() > 10_000 && read.size() < 50_000, read.size() + " records");
        for (int i = 0; i < read.size(); i++) {
            assertEquals("user" + i + "@example.com", read.get(i));
        }
        assertEquals(read.size() + 1, e.line());
        assertFalse(records.hasNext(), "nothing after the break");
        // Every whole line the cut stream holds is a record: the bytes gzip gives up, one at a time, before the break.
        ByteArrayOutputStream prefix = new ByteArrayOutputStream();
        try (java.util.zip.GZIPInputStream raw = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(cut))) {
            for (int b = raw.read(); b >= 0; b = raw.read()) {
                prefix.write(b);
            }
        } catch (IOException expected) {
            // the break
        }
        long wholeLines = prefix.toString(StandardCharsets.UTF_8).chars().filter(c -> c == '\n').count();
        assertEquals(wholeLines, read.size(), "records read before the break");
    }

    /**
     * A stream that fails (a connection reset, a list cut short) right after a line's CR: that line is whole, a record,
     * and the break is at the next. Before, the first line looked past its CR for an LF, and that read's failure lost
     * the line with the whole input ("cannot read"); later lines never looked ahead (found by a review).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                          | text before the failure | records                 | line of the break
            the first line, ended by CR     | a@x.test\\r              | a@x.test                | 2
            the first line, ended by LF     | a@x.test\\n              | a@x.test                | 2
            a later line, ended by CR       | a@x.test\\rb@y.test\\r    | a@x.test b@y.test       | 3
            the first line, CRLF, then a CR | a@x.test\\r\\nb@y.test\\r  | a@x.test b@y.test       | 3
            """)
    void aStreamFailingRightAfterALineEndKeepsThatLine(String name, String text, String records, long line)
            throws IOException {
        byte[] bytes = text.replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.UTF_8);
        InputStream failing = new InputStream() {
            private int pos;

            @Override
            public int read() throws IOException {
                return pos < bytes.length ? bytes[pos++] & 0xff : fail();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = Math.min(len, bytes.length - pos);
                if (n <= 0) {
                    return fail();
                }
                System.arraycopy(bytes, pos, b, off, n);
                pos += n;
                return n;
            }

            private int fail() throws IOException {
                throw new IOException("connection reset");
            }
        };
        InputRecords read = new InputRecords(InputRecords.reader(failing), InputRecords.Format.AUTO, null);
        List<String> values = new ArrayList<>();
        InputRecords.BrokeOff e = assertThrows(InputRecords.BrokeOff.class, () -> read.forEachRemaining(r -> values.add(r.value())));
        assertEquals(List.of(records.split(" ")), values, name);
        assertEquals(line, e.line(), name);
    }
}
