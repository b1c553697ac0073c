package dev.mailcheck.lists;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * Reads input records lazily: one address per line, or the address column of a CSV file whose header
 * names it, its cells separated by ',', ';', tab or '|' (found from the header). Every record yields exactly one {@link Input}, blank and broken ones included; input that
 * cannot be read on (a gzip stream cut short, a CSV quote never closed) ends the records with {@link BrokeOff}.
 */
public final class InputRecords implements Iterator<InputRecords.Input> {

    /** An address as read, or the raw text of a record that could not be read and why. */
    public record Input(String value, String error) {
    }

    public enum Format { AUTO, LINES, CSV }

    /**
     * Header names taken for the address column when none is named (compared case-insensitively, without
     * spaces, '-', '_' or '.'): what spreadsheet and newsletter exports call it, in a few languages.
     */
    public static final List<String> ADDRESS_HEADERS = List.of("email", "e-mail", "Email Address", "email_address",
            "E-Mail Address", "mail", "mail address", "E-Mail-Adresse", "Mailadresse", "adresse e-mail", "courriel",
            "correo electrónico", "correo", "e-mailadres", "e-post");

    private static final Set<String> ADDRESS_KEYS = ADDRESS_HEADERS.stream().map(InputRecords::headerKey)
            .collect(Collectors.toUnmodifiableSet());

    /** The input looks like CSV, but no column of its header holds the addresses (or its header can't be read). */
    public static final class NoAddressColumn extends IOException {
        private final List<String> headers;

        NoAddressColumn(List<String> headers, String wanted) {
            this(headers.isEmpty() ? "the input is empty: it has no CSV header"
                    : (wanted != null ? "the CSV header has no '" + wanted + "' column"
                            : "no column of the CSV header is named like an address column (" + String.join(", ",
                                    ADDRESS_HEADERS) + ")") + "; its columns are: " + String.join(", ", headers), headers);
        }

        private NoAddressColumn(String message, List<String> headers) {
            super(message);
            this.headers = headers;
        }

        /** A first line too long to be read as a header, when it looks like one or CSV was asked for. */
        static NoAddressColumn headerTooLong(long length) {
            return new NoAddressColumn(String.format(Locale.ROOT, "the first line is %,d characters long, over the"
                    + " %,d read as a CSV header", length, MAX_HEADER_CHARS), List.of());
        }

        /** The header's cells as found (empty for empty input). */
        public List<String> headers() {
            return headers;
        }
    }

    /** The input could not be read past {@link #line()}: records before it were read, none after. */
    public static final class BrokeOff extends UncheckedIOException {
        private final long line;

        BrokeOff(long line, IOException cause) {
            super("line " + line + ": " + String.valueOf(cause.getMessage()).lines().findFirst().orElse(""), cause);
            this.line = line;
        }

        /** The line (1-based, counting a CSV header) of the record that could not be read. */
        public long line() {
            return line;
        }
    }

    /**
     * The longest line read as a whole. An address has at most 254 octets, so a longer line is an error
     * of its own, and reading stops keeping characters here: a 100 MB line costs no more memory than this.
     */
    public static final int MAX_LINE_CHARS = 1000;
    /**
     * The longest first line read as a possible CSV header: marketing exports name hundreds of columns (a
     * 61-column one is already over {@link #MAX_LINE_CHARS}), yet a first line still costs bounded memory.
     */
    public static final int MAX_HEADER_CHARS = 1 << 20;
    /** The cell separators a header may use: spreadsheets in locales with a decimal comma write ';'. */
    private static final String SEPARATORS = ",;\t|";
    /** The longest CSV field; the CSV parser refuses longer ones, which ends the CSV input (see nextRow). */
    public static final int MAX_CSV_FIELD_CHARS = 1 << 20;

    /**
     * The CSV parser, made on first use: a list of plain lines never needs one, and making it (Jackson's mapper and
     * its classes) cost a run's start 30 ms (of 0.45 s).
     */
    private static final class Csv {
        static final CsvMapper MAPPER = new CsvMapper(CsvFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_CSV_FIELD_CHARS).build())
                .build());

        /** Rows as lists of cells, split at {@code separator}. */
        static ObjectReader rows(char separator) {
            return MAPPER.readerForListOf(String.class).with(CsvParser.Feature.WRAP_AS_ARRAY)
                    .with(CsvSchema.emptySchema().withColumnSeparator(separator));
        }
    }

    /** A header's cells, split at the separator found for it. */
    private record Header(List<String> cells, char separator) {
    }

    /** Lines mode: where its lines after the first come from; null in CSV mode. */
    private final LineReader lines;
    private final int column;
    private final String columnHeader;
    private final char separator;
    private final MappingIterator<List<String>> rows;
    private LineReader.Line firstLine;
    private Input next;
    private boolean failed;
    /** Lines mode: lines read so far. CSV mode: the line (of the CSV parser, after the header) the next row starts on. */
    private long line;

    /**
     * @param columnName the CSV column that holds the addresses, or null to take the first column whose
     *                   header is one of {@link #ADDRESS_HEADERS}
     * @throws NoAddressColumn when the input is CSV ({@code format} says so, or in AUTO the first line is
     *                         a header: several cells, none with an '@') and no column is the address column
     */
    public InputRecords(BufferedReader reader, Format format, String columnName) throws IOException {
        this(reader, format, columnName, LineReader.BUFFER_CHARS);
    }

    /** With a line buffer of {@code bufferChars}: tests put its edges anywhere in the text. */
    InputRecords(BufferedReader reader, Format format, String columnName, int bufferChars) throws IOException {
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
            reader.reset(); // no byte-order mark to drop
        }
        LineReader reading = new LineReader(reader, bufferChars);
        LineReader.Line first = reading.firstLine(format == Format.LINES ? MAX_LINE_CHARS : MAX_HEADER_CHARS);
        if (format != Format.LINES && first != null && first.length() > MAX_HEADER_CHARS
                && (format == Format.CSV || looksLikeHeader(first.kept()))) {
            throw NoAddressColumn.headerTooLong(first.length()); // never read a cut header as lines, nor as a header
        }
        Header header = format == Format.LINES || first == null || first.length() > MAX_HEADER_CHARS
                ? new Header(List.of(), ',') : header(first.kept(), columnName);
        int col = addressColumn(header.cells, columnName);
        if (col < 0 && (format == Format.CSV || format == Format.AUTO && looksLikeHeader(header.cells))) {
            throw new NoAddressColumn(format == Format.CSV && first != null && header.cells.isEmpty()
                    ? List.of(first.record()) : header.cells, columnName);
        }
        this.column = col;
        this.separator = header.separator;
        if (col >= 0) {
            columnHeader = header.cells.get(col).strip();
            // A failure here loses no record: the first line was the header.
            reading.dropLfAfterCr();
            rows = Csv.rows(separator).readValues(reader);
            line = 1;
            lines = null;
        } else {
            columnHeader = null;
            rows = null;
            firstLine = first;
            lines = reading;
        }
    }

    /** Several cells, none with an '@': a header, not an address (nor a line of text). */
    private static boolean looksLikeHeader(List<String> cells) {
        return cells.size() >= 2 && cells.stream().noneMatch(c -> c.contains("@"));
    }

    /** A line cut short looks like a header when some separator would split its start and no '@' is in it. */
    private static boolean looksLikeHeader(String start) {
        return !start.contains("@") && start.chars().anyMatch(c -> SEPARATORS.indexOf(c) >= 0);
    }

    /**
     * The header read with the separator that finds the address column, else with the one that splits it
     * into the most cells; ',' first on a tie. Each candidate is a full CSV parse, so a quoted cell holding
     * another separator ({@code "Nom, prénom";Courriel}) does not count for it.
     */
    private static Header header(String line, String columnName) {
        Header best = null;
        boolean bestHasColumn = false;
        for (char separator : SEPARATORS.toCharArray()) {
            List<String> cells = cells(line, separator);
            boolean hasColumn = addressColumn(cells, columnName) >= 0;
            if (best == null || hasColumn && !bestHasColumn
                    || hasColumn == bestHasColumn && cells.size() > best.cells.size()) {
                best = new Header(cells, separator);
                bestHasColumn = hasColumn;
            }
        }
        return best;
    }

    /** The index of the address column in {@code header}, or -1. */
    private static int addressColumn(List<String> header, String name) {
        for (int i = 0; i < header.size(); i++) {
            String cell = header.get(i);
            if (name != null ? cell.strip().equalsIgnoreCase(name.strip()) : ADDRESS_KEYS.contains(headerKey(cell))) {
                return i;
            }
        }
        return -1;
    }

    private static String headerKey(String header) {
        return header.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s._-]", "");
    }

    /** The cells of one CSV line, or none when it is not one. */
    static List<String> cells(String line, char separator) {
        if (!line.isEmpty() && line.indexOf(separator) < 0 && line.indexOf('"') < 0) {
            return List.of(line); // what the parser makes of it, without one (a list's first address, mostly)
        }
        try (MappingIterator<List<String>> it = Csv.rows(separator).readValues(line)) {
            return it.hasNext() ? it.next() : List.of();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null && !failed) {
            try {
                next = column >= 0 ? nextRow() : nextLine();
            } catch (BrokeOff e) {
                failed = true;
                throw e;
            }
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
        LineReader.Line l;
        try {
            l = firstLine != null ? firstLine : lines.nextBufferedLine();
        } catch (IOException e) {
            throw new BrokeOff(line + 1, e);
        }
        firstLine = null;
        if (l == null) {
            return null;
        }
        line++;
        return l.overLong() ? new Input(l.record(), tooLong("line", l.length())) : new Input(l.kept(), null);
    }

    private Input nextRow() {
        List<String> row;
        try {
            if (!rows.hasNextValue()) {
                return null;
            }
            row = rows.nextValue();
        } catch (IOException | RuntimeException e) {
            // After a quoting error the CSV stream has no reliable next row: the input ends here.
            throw new BrokeOff(line + 1, e instanceof IOException io ? io : new IOException(e.getMessage(), e));
        }
        line = rows.getParser().currentLocation().getLineNr();
        if (column >= row.size()) {
            return new Input(kept(String.join(String.valueOf(separator), row)), "This CSV row has no value in the '"
                    + columnHeader + "' column.");
        }
        String value = row.get(column);
        // Kept as a line is: a cell of up to a MiB (a stray quote swallows the lines after it) was stored whole with
        // its result, past DynamoDB's 400 KB item, and its chunk failed on every delivery (found by a review).
        return value.length() > MAX_LINE_CHARS ? new Input(kept(value), tooLong("CSV cell", value.length()))
                : new Input(value, null);
    }

    /** At most {@link #MAX_LINE_CHARS} of a record's text. */
    static String kept(String value) {
        return value.length() > MAX_LINE_CHARS ? value.substring(0, MAX_LINE_CHARS) : value;
    }

    /** Why a line or a cell of {@code length} characters is not checked. */
    private static String tooLong(String what, long length) {
        return String.format(Locale.ROOT, "This %s is %,d characters long; an address has at most 254, so %ss over %,d"
                + " are not checked (the first %,d are kept here).", what, length, what, MAX_LINE_CHARS, MAX_LINE_CHARS);
    }

    /**
     * A reader for a list as uploaded: gzip is recognised by its magic bytes; text is UTF-8, or UTF-16 when
     * it starts with a UTF-16 byte-order mark (what spreadsheets call "Unicode text"). The mark itself is
     * decoded to U+FEFF, which {@link InputRecords} drops. Undecodable bytes become U+FFFD, which the
     * address stage rejects with a message of its own.
     */
    public static BufferedReader reader(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        BufferedInputStream text = startsWith(in, 0x1f, 0x8b)
                ? new BufferedInputStream(nothingAvailable(new GZIPInputStream(in, 1 << 16)), 1 << 16) : in;
        Charset charset = startsWith(text, 0xff, 0xfe) ? StandardCharsets.UTF_16LE
                : startsWith(text, 0xfe, 0xff) ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_8;
        Reader decoded = new InputStreamReader(text, charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));
        return new BufferedReader(LineReader.neverReady(decoded), 1 << 16);
    }

    /**
     * Gzip says a byte is available until its end, so the buffer and the decoder above read on while they already
     * hold data, and a read that meets a cut stream throws away what that call had gathered: a list cut short lost
     * up to 64K characters of whole lines before its break. Saying none is available makes each layer hand on what it
     * has first; the break then comes on a read with nothing to lose.
     */
    private static InputStream nothingAvailable(InputStream gzip) {
        return new FilterInputStream(gzip) {
            @Override
            public int available() {
                return 0;
            }
        };
    }

    private static boolean startsWith(BufferedInputStream in, int first, int second) throws IOException {
        in.mark(2);
        boolean match = in.read() == first && in.read() == second;
        in.reset();
        return match;
    }
}
