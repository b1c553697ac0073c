package dev.mailcheck.lists;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * Reads input records lazily: one address per line, or the address column of a CSV file whose header
 * names it. Every record yields exactly one {@link Input}, blank and broken ones included.
 */
public final class InputRecords implements Iterator<InputRecords.Input> {

    /** An address as read, or the raw text of a record that could not be read and why. */
    public record Input(String value, String error) {
    }

    public enum Format { AUTO, LINES, CSV }

    /**
     * The longest line read as a whole. An address has at most 254 octets, so a longer line is an error
     * of its own, and reading stops keeping characters here: a 100 MB line costs no more memory than this.
     */
    public static final int MAX_LINE_CHARS = 1000;
    /** The longest CSV field; the CSV parser refuses longer ones, which ends the CSV input (see nextRow). */
    static final int MAX_CSV_FIELD_CHARS = 1 << 20;

    private static final CsvMapper CSV = new CsvMapper(CsvFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_CSV_FIELD_CHARS).build()).build());

    /** A line as read: at most {@link #MAX_LINE_CHARS} of it kept, and its whole length. */
    private record Line(String kept, long length) {
        boolean overLong() {
            return length > MAX_LINE_CHARS;
        }
    }

    private final BufferedReader reader;
    private final int column;
    private final MappingIterator<List<String>> rows;
    private Line firstLine;
    private Input next;
    private boolean failed;

    public InputRecords(BufferedReader reader, Format format, String columnName) throws IOException {
        this.reader = reader;
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
            reader.reset(); // no byte-order mark to drop
        }
        Line first = readLine();
        int col = format == Format.LINES || first == null || first.overLong() ? -1 : headerColumn(first.kept, columnName);
        if (format == Format.CSV && col < 0) {
            throw new IOException("the CSV header has no '" + columnName + "' column"
                    + (first == null ? " (the input is empty)" : ": " + first.kept));
        }
        this.column = col;
        if (col >= 0) {
            rows = CSV.readerForListOf(String.class).with(CsvParser.Feature.WRAP_AS_ARRAY).readValues(reader);
        } else {
            rows = null;
            firstLine = first;
        }
    }

    /** As {@link BufferedReader#readLine()} (ends at LF, CR or CRLF), but keeping at most MAX_LINE_CHARS. */
    private Line readLine() throws IOException {
        StringBuilder kept = new StringBuilder();
        long length = 0;
        int c = reader.read();
        if (c == -1) {
            return null;
        }
        for (; c != -1 && c != '\n'; c = reader.read()) {
            if (c == '\r') {
                reader.mark(1);
                if (reader.read() != '\n') {
                    reader.reset();
                }
                break;
            }
            if (length++ < MAX_LINE_CHARS) {
                kept.append((char) c);
            }
        }
        return new Line(kept.toString(), length);
    }

    private static int headerColumn(String header, String name) throws IOException {
        List<String> cells;
        try (MappingIterator<List<String>> it = CSV.readerForListOf(String.class)
                .with(CsvParser.Feature.WRAP_AS_ARRAY).readValues(header)) {
            if (!it.hasNext()) {
                return -1;
            }
            cells = it.next();
        } catch (RuntimeException e) {
            return -1;
        }
        for (int i = 0; i < cells.size(); i++) {
            if (cells.get(i).strip().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean hasNext() {
        if (next == null && !failed) {
            next = column >= 0 ? nextRow() : nextLine();
        }
        return next != null;
    }

    @Override
    public Input next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Input n = next;
        next = null;
        return n;
    }

    private Input nextLine() {
        try {
            Line line = firstLine != null ? firstLine : readLine();
            firstLine = null;
            if (line == null) {
                return null;
            }
            return line.overLong() ? new Input(line.kept, String.format(Locale.ROOT, "This line is %,d characters long;"
                    + " an address has at most 254, so lines over %,d are not checked (the first %,d are kept here).",
                    line.length, MAX_LINE_CHARS, MAX_LINE_CHARS)) : new Input(line.kept, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Input nextRow() {
        try {
            if (!rows.hasNextValue()) {
                return null;
            }
            List<String> row = rows.nextValue();
            if (column >= row.size()) {
                return new Input(String.join(",", row), "This CSV row has no value in the email column.");
            }
            return new Input(row.get(column), null);
        } catch (IOException | RuntimeException e) {
            // After a quoting error the CSV stream has no reliable next row: report it and stop reading.
            failed = true;
            return new Input("", "The rest of the CSV input could not be read: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
