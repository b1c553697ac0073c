package dev.mailcheck.lists;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a list is read: its encoding, which CSV column holds the addresses, and where broken CSV stops. */
class InputRecordsTest {

    private static InputRecords records(byte[] bytes, InputRecords.Format format, String column) throws IOException {
        return new InputRecords(InputRecords.reader(new ByteArrayInputStream(bytes)), format, column);
    }

    private static List<String> values(InputRecords records) {
        List<String> out = new ArrayList<>();
        records.forEachRemaining(r -> out.add(r.error() == null ? r.value() : "ERROR " + r.error()));
        return out;
    }

    @ParameterizedTest(name = "{0}, gzip {2}")
    @CsvSource({
            "UTF-8,     '',       false",
            "UTF-8,     efbbbf,   false",
            "UTF-8,     efbbbf,   true",
            "UTF-16LE,  fffe,     false",
            "UTF-16BE,  feff,     false",
            "UTF-16LE,  fffe,     true"})
    void theEncodingIsReadFromTheByteOrderMarkWhichIsNotARecord(String charset, String bomHex, boolean gzip) throws IOException {
        String text = "a@example.com\nJörg@bücher.example\n";
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        plain.writeBytes(java.util.HexFormat.of().parseHex(bomHex));
        plain.writeBytes(text.getBytes(Charset.forName(charset)));
        byte[] bytes = plain.toByteArray();
        if (gzip) {
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(bytes);
            }
            bytes = gz.toByteArray();
        }
        assertEquals(List.of("a@example.com", "Jörg@bücher.example"), values(records(bytes, InputRecords.Format.AUTO, null)));
    }

    @ParameterizedTest(name = "header {0}")
    @CsvSource(delimiter = '|', textBlock = """
            # header                       | --column | the address read from "x,jane@example.com,y"
            name,email,note                |          | jane@example.com
            Name,E-Mail,Note               |          | jane@example.com
            Name, Email Address ,Note      |          | jane@example.com
            name,email_address,note        |          | jane@example.com
            Vorname,E-Mail-Adresse,Notiz   |          | jane@example.com
            name,MAIL,note                 |          | jane@example.com
            nom,Courriel,note              |          | jane@example.com
            name,Contact,note              | contact  | jane@example.com
            name,email,note                | note     | y
            \uFEFFname,email,note          |          | jane@example.com
            """)
    void theAddressColumnIsFoundByItsHeader(String header, String column, String expected) throws IOException {
        String csv = header + "\nx,jane@example.com,y\n";
        assertEquals(List.of(expected), values(records(csv.getBytes(StandardCharsets.UTF_8), InputRecords.Format.AUTO, column)));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # first line              | format | --column | headers found
            name,phone,note           | AUTO   |          | name;phone;note
            name,phone                | CSV    |          | name;phone
            Name,E-Mail               | AUTO   | address  | Name;E-Mail
            jane@example.com          | CSV    |          | jane@example.com
            """)
    void withoutAnAddressColumnTheErrorNamesTheHeadersFound(String first, InputRecords.Format format, String column,
            String headers) {
        byte[] csv = (first + "\nx,jane@example.com\n").getBytes(StandardCharsets.UTF_8);
        InputRecords.NoAddressColumn e = assertThrows(InputRecords.NoAddressColumn.class,
                () -> records(csv, format, column));
        assertEquals(Arrays.asList(headers.split(";")), e.headers());
        for (String h : e.headers()) {
            assertTrue(e.getMessage().contains(h), e.getMessage());
        }
    }

    /** Several cells without an '@' make a header; anything else on the first line is the first record. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            jane@example.com
            not an address
            "Doe, Jane" <jane@example.com>
            x,jane@example.com
            """)
    void aFirstLineThatIsNoHeaderIsTheFirstRecord(String first) throws IOException {
        assertEquals(List.of(first, "b@example.com"), values(records((first + "\nb@example.com\n")
                .getBytes(StandardCharsets.UTF_8), InputRecords.Format.AUTO, null)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                         | CSV text (\\n between lines)                                          | records before | line | message
            quote never closed             | email,name\\na@example.com,x\\nb@example.com,"Bob\\nc@example.com,y\\n | 1              | 3    | Missing closing quote
            text after a closing quote     | email,name\\na@example.com,"x"y\\nb@example.com,z\\n                  | 0              | 2    | Expected column separator
            multi-line field before        | email,note\\na@example.com,"two\\nlines"\\nb@example.com,"x"y\\n      | 1              | 4    | Expected column separator
            CRLF line ends                 | email,name\\r\\na@example.com,x\\r\\nb@example.com,"\\r\\n           | 1              | 3    | Missing closing quote
            """)
    void brokenCsvEndsTheRecordsWithTheLineOfTheBreak(String name, String text, int before, long line, String message)
            throws IOException {
        InputRecords records = records(text.replace("\\n", "\n").replace("\\r", "\r").getBytes(StandardCharsets.UTF_8),
                InputRecords.Format.AUTO, null);
        List<String> read = new ArrayList<>();
        InputRecords.BrokeOff e = assertThrows(InputRecords.BrokeOff.class, () -> records.forEachRemaining(r -> read.add(r.value())));
        assertEquals(before, read.size(), read::toString);
        assertEquals(line, e.line());
        assertTrue(e.getMessage().startsWith("line " + line + ": ") && e.getMessage().contains(message), e.getMessage());
        assertFalse(records.hasNext(), "nothing after the break");
    }

    /**
     * A CSV address cell is kept as a line is, at most 1,000 characters and why; so is a row without the column. Before,
     * a cell was kept whole up to a MiB (a stray quote swallows the lines after it), and stored with its result it went
     * past DynamoDB's 400 KB item: its chunk failed on every delivery and the job never ended (found by a review).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                         | the long row                 | characters | what is said
            a cell just over the limit     | Blob,"<long>"                | 1001       | This CSV cell is 1,001 characters long
            lines swallowed by a quote     | Blob,"<long>"                | 210000     | This CSV cell is 210,000 characters long
            a row without the email column | "<long>"                     | 210000     | This CSV row has no value in the 'email' column.
            """)
    void aLongCsvCellIsKeptCutWithWhy(String name, String row, int characters, String said) throws IOException {
        String text = "name,email\nAnn,a@x.test\n" + row.replace("<long>", name.startsWith("lines")
                ? ("x".repeat(99) + "\n").repeat(characters / 100) : "x".repeat(characters)) + "\nCid,c@x.test\n";
        List<InputRecords.Input> read = new ArrayList<>();
        records(text.getBytes(StandardCharsets.UTF_8), InputRecords.Format.AUTO, null).forEachRemaining(read::add);
        assertEquals(new InputRecords.Input("a@x.test", null), read.get(0), name);
        InputRecords.Input cut = read.get(1);
        assertEquals(InputRecords.MAX_LINE_CHARS, cut.value().length(), name);
        assertTrue(cut.error().startsWith(said), cut.error());
        assertEquals(new InputRecords.Input("c@x.test", null), read.get(2), name);
        assertEquals(3, read.size(), name);
    }

    /**
     * A marketing export's header: {@code email} at {@code emailAt} among {@code columns} columns named as
     * newsletter tools name them, joined by {@code separator}.
     */
    private static String exportHeader(int columns, int emailAt, String separator) {
        return IntStream.range(0, columns).mapToObj(i -> i == emailAt ? "email" : i % 3 == 0 ? "\"custom field " + i
                + (i % 2 == 0 ? ", opt-in\"" : "\"") : "merge_field_" + i + "_last_changed_utc").collect(Collectors.joining(separator));
    }

    private static String exportRow(int columns, int emailAt, String address, String separator) {
        return IntStream.range(0, columns).mapToObj(i -> i == emailAt ? address : "v" + i)
                .collect(Collectors.joining(separator));
    }

    /** Before: a first line over 1,000 characters was dropped as a header, so every row became an invalid "address". */
    @ParameterizedTest(name = "{0} columns, email at {1}, {2}, --column {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # columns | email at | format | --column
            61        | 0        | AUTO   |
            61        | 0        | CSV    | email
            61        | 0        | AUTO   | email
            300       | 150      | AUTO   |
            800       | 799      | CSV    |
            20000     | 12345    | AUTO   |
            """)
    void aLongCsvHeaderIsStillAHeader(int columns, int emailAt, InputRecords.Format format, String column)
            throws IOException {
        String header = exportHeader(columns, emailAt, ",");
        assertTrue(header.length() > InputRecords.MAX_LINE_CHARS && header.length() < InputRecords.MAX_HEADER_CHARS,
                () -> "header of " + header.length());
        String csv = header + "\r\n" + exportRow(columns, emailAt, "a@example.com", ",") + "\r\n"
                + exportRow(columns, emailAt, "b@example.com", ",") + "\r\n";
        assertEquals(List.of("a@example.com", "b@example.com"),
                values(records(csv.getBytes(StandardCharsets.UTF_8), format, column)));
    }

    /** A first line too long to read as a header is never read as addresses when it looks like a header or CSV is asked for. */
    @ParameterizedTest(name = "{0} as {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # first line                         | format | what happens
            a header of over 1 MiB               | AUTO   | fails
            a header of over 1 MiB               | CSV    | fails
            a line of over 1 MiB without cells   | CSV    | fails
            a line of over 1 MiB without cells   | AUTO   | one over-long record, then the lines
            a header of over 1 MiB               | LINES  | one over-long record, then the lines
            a 5,000-character header             | LINES  | one over-long record, then the lines
            """)
    void aFirstLineBeyondTheHeaderLimitFailsRatherThanTurnIntoLines(String first, InputRecords.Format format,
            String outcome) throws IOException {
        String line = first.startsWith("a header of over") ? exportHeader(40_000, 0, ",")
                : first.startsWith("a 5,000") ? exportHeader(200, 0, ";").substring(0, 5000) : "x".repeat(InputRecords.MAX_HEADER_CHARS + 1);
        byte[] bytes = (line + "\nb@example.com\n").getBytes(StandardCharsets.UTF_8);
        if (outcome.equals("fails")) {
            InputRecords.NoAddressColumn e = assertThrows(InputRecords.NoAddressColumn.class, () -> records(bytes, format, null));
            assertTrue(e.getMessage().contains(String.format(Locale.ROOT, "%,d characters long", line.length())),
                    e.getMessage());
        } else {
            List<InputRecords.Input> read = new ArrayList<>();
            records(bytes, format, null).forEachRemaining(read::add);
            assertEquals(2, read.size());
            assertEquals(line.substring(0, InputRecords.MAX_LINE_CHARS), read.getFirst().value());
            assertTrue(read.getFirst().error().startsWith(String.format(Locale.ROOT, "This line is %,d characters",
                    line.length())), read.getFirst().error());
            assertEquals(new InputRecords.Input("b@example.com", null), read.get(1));
        }
    }

    /** Before: a header split by anything but ',' was one cell, so every row became an invalid "address", exit 0. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '!', textBlock = """
            # case                                  ! CSV text (\\n between lines, \\t a tab)                                                  ! addresses read
            German Excel: semicolons                ! Vorname;E-Mail-Adresse\\nJörg;jörg@example.com\\nAnna;anna@example.com                   ! jörg@example.com;anna@example.com
            semicolons, quoted cells with , and |   ! "Nom, prénom";Courriel;Note\\n"Doe, Jane";jane@example.com;"a|b"\\nX;x@example.com;"1,5"   ! jane@example.com;x@example.com
            semicolons, a quoted ; in a cell        ! Name;Email\\n"Doe; Jane";jane@example.com                                                  ! jane@example.com
            tabs (spreadsheet text export)          ! First Name\\tEmail Address\\tCity\\nJane\\tjane@example.com\\tKöln                          ! jane@example.com
            pipes                                   ! id|email|name\\n1|jane@example.com|Jane\\n2|joe@example.com|Joe                            ! jane@example.com;joe@example.com
            commas, quoted cells with ; and tab     ! name,email,note\\n"Doe; Jane",jane@example.com,"a\\tb|c"                                   ! jane@example.com
            a header cell with ; in comma CSV       ! "id;ref",email\\n"1;2",jane@example.com                                                    ! jane@example.com
            one column                              ! email\\njane@example.com                                                                  ! jane@example.com
            """)
    void theSeparatorIsFoundFromTheHeader(String name, String text, String expected) throws IOException {
        byte[] bytes = text.replace("\\n", "\n").replace("\\t", "\t").getBytes(StandardCharsets.UTF_8);
        assertEquals(Arrays.asList(expected.split(";")), values(records(bytes, InputRecords.Format.AUTO, null)));
    }

    /** A header split by any separator but naming no address column fails naming its columns, as with commas. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '!', textBlock = """
            # header                        ! --column ! headers found
            Vorname;Nachname;Telefon        !          ! Vorname|Nachname|Telefon
            Vorname;E-Mail-Adresse          ! Mail     ! Vorname|E-Mail-Adresse
            name\\tphone                    !          ! name|phone
            id|name                         !          ! id|name
            """)
    void aHeaderWithAnySeparatorButNoAddressColumnNamesItsHeaders(String header, String column, String headers) {
        byte[] csv = (header.replace("\\t", "\t") + "\nx;jane@example.com\n").getBytes(StandardCharsets.UTF_8);
        InputRecords.NoAddressColumn e = assertThrows(InputRecords.NoAddressColumn.class,
                () -> records(csv, InputRecords.Format.AUTO, column));
        assertEquals(Arrays.asList(headers.split("\\|")), e.headers());
    }

    /** A row's missing address cell is reported with the row as written, in its own separator. */
    @Test
    void aRowWithoutTheAddressCellIsShownWithItsSeparator() throws IOException {
        byte[] csv = "Vorname;Nachname;E-Mail\nJane;Doe\n".getBytes(StandardCharsets.UTF_8);
        InputRecords.Input only = records(csv, InputRecords.Format.AUTO, null).next();
        assertEquals("Jane;Doe", only.value());
        assertTrue(only.error().contains("'E-Mail' column"), only.error());
    }

    /**
     * A first line with neither the separator nor a quote is one cell, as the parser would read it, without asking
     * the parser: the rows compare the two (a leading '#', backslashes and outer spaces are text to both).
     */
    @ParameterizedTest(name = "[{0}] split at ''{1}''")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            jane@example.test                 | ,
            "  jane@example.test  "           | ,
            "#jane@example.test"              | ,
            jane\\x@example.test             | ,
            'jane'@example.test               | ,
            jane;doe@example.test             | ,
            email,name                        | ;
            "email\tname"                    | ,
            jane doe <jane@example.test>      | "|"
            """)
    void aLineWithoutTheSeparatorOrAQuoteIsOneCellAsTheParserReadsIt(String line, char separator) throws IOException {
        List<String> parsed;
        try (var it = new com.fasterxml.jackson.dataformat.csv.CsvMapper().readerForListOf(String.class)
                .with(com.fasterxml.jackson.dataformat.csv.CsvParser.Feature.WRAP_AS_ARRAY)
                .with(com.fasterxml.jackson.dataformat.csv.CsvSchema.emptySchema().withColumnSeparator(separator))
                .<List<String>>readValues(line)) {
            parsed = it.next();
        }
        assertEquals(parsed, InputRecords.cells(line, separator));
        assertEquals(List.of(line), parsed);
    }
}
