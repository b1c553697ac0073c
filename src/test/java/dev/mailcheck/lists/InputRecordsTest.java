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
import java.util.zip.GZIPOutputStream;
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
}
