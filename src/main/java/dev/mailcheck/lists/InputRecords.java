package dev.mailcheck.lists;

import com.fasterxml.jackson.databind.MappingIterator;
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

    private static final CsvMapper CSV = new CsvMapper();

    private final BufferedReader reader;
    private final int column;
    private final MappingIterator<List<String>> rows;
    private String firstLine;
    private Input next;
    private boolean failed;

    public InputRecords(BufferedReader reader, Format format, String columnName) throws IOException {
        this.reader = reader;
        String first = reader.readLine();
        if (first != null && first.startsWith("\uFEFF")) {
            first = first.substring(1);
        }
        int col = format == Format.LINES || first == null ? -1 : headerColumn(first, columnName);
        if (format == Format.CSV && col < 0) {
            throw new IOException("the CSV header has no '" + columnName + "' column"
                    + (first == null ? " (the input is empty)" : ": " + first));
        }
        this.column = col;
        if (col >= 0) {
            rows = CSV.readerForListOf(String.class).with(CsvParser.Feature.WRAP_AS_ARRAY).readValues(reader);
        } else {
            rows = null;
            firstLine = first;
        }
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
            String line = firstLine != null ? firstLine : reader.readLine();
            firstLine = null;
            return line == null ? null : new Input(line, null);
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
