package dev.mailcheck.lists;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.mailcheck.Reason;
import dev.mailcheck.verdict.CheckResult;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Results as files: CSV cells a spreadsheet would run as formulas are escaped; JSONL keeps every value. */
class ResultWriterTest {

    private static String write(ResultWriter.Format format, String address) throws IOException {
        Reason r = Reason.INVALID_SYNTAX;
        CheckResult result = CheckResult.builder(address).reason(r).detail("detail").build();
        StringWriter out = new StringWriter();
        ResultWriter writer = ResultWriter.of(format, out, code -> "/codes/" + code);
        writer.write(result);
        writer.flush();
        return out.toString();
    }

    /** OWASP, CSV injection: a cell starting with = + - @ TAB or CR gets a single quote in front, and is quoted. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # address as read                  | its cell in the CSV text
            =HYPERLINK("http://x.test")@a.test | "'=HYPERLINK(""http://x.test"")@a.test"
            +1+1@a.test                        | "'+1+1@a.test"
            -2+3@a.test                        | "'-2+3@a.test"
            @SUM(A1)@a.test                    | "'@SUM(A1)@a.test"
            `\tx@a.test`                       | `"'\tx@a.test"`
            `\rx@a.test`                       | `"'\rx@a.test"`
            jane@a.test                        | jane@a.test
            jane=1@a.test                      | jane=1@a.test
            """)
    void csvCellsThatWouldRunAsFormulasAreEscaped(String address, String cell) throws IOException {
        String csv = write(ResultWriter.Format.CSV, address);
        String row = csv.substring(csv.indexOf('\n') + 1);
        assertEquals(cell, row.substring(0, row.indexOf(",,," + Reason.INVALID_SYNTAX.verdict().code())), csv);
        Map<String, String> read = new CsvMapper().readerForMapOf(String.class).with(CsvSchema.emptySchema().withHeader())
                .<Map<String, String>>readValues(csv).next();
        assertEquals(cell.startsWith("\"'") ? "'" + address : address, read.get("address"));

        String jsonl = write(ResultWriter.Format.JSONL, address);
        assertEquals(address, new ObjectMapper().readTree(jsonl).get("address").asText(), "JSONL keeps the value");
        assertEquals("/codes/501", new ObjectMapper().readTree(jsonl).at("/predicted_reply/reference").asText(),
                "JSONL links the reply where its writer said");
    }
}
