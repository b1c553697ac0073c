package dev.mailcheck.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.mailcheck.Reason;
import dev.mailcheck.SmtpReply;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The JSON shape of results, byte for byte: CLI output, the API and stored results all write it. */
class ResultJsonTest {

    /** Where the API explains codes, as it hands that to every writer of results: codes 5xx only, here. */
    private static final IntFunction<String> LINK = code -> code >= 500 ? "/v1/smtp-codes/" + code : null;

    /** A predicted reply links to where its writer says the code is explained, null where nowhere. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", quoteCharacter = '`', textBlock = """
            # code | enhanced | JSON
            556    | 5.1.10   | {"code":556,"enhanced":"5.1.10","reference":"/v1/smtp-codes/556"}
            571    | 5.7.1    | {"code":571,"enhanced":"5.7.1","reference":"/v1/smtp-codes/571"}
            250    | -        | {"code":250,"enhanced":null,"reference":null}
            """)
    void predictedReplyLinksWhereItsWriterSays(int code, String enhanced, String json) throws JsonProcessingException {
        assertEquals(json, ResultJson.mapper(LINK).writeValueAsString(new SmtpReply(code, enhanced)));
    }

    /** The README's JSONL record. */
    @Test
    void resultIsWrittenAsTheReadmeShowsIt() throws JsonProcessingException {
        Reason r = Reason.NULL_MX;
        String detail = "null-mx.example publishes a null MX (MX 0 .): per RFC 7505 it accepts no mail, and its A/AAAA"
                + " records are not a fallback.";
        CheckResult result = CheckResult.builder("Jane@Null-MX.example").normalized("Jane@null-mx.example")
                .domain("null-mx.example").domainUnicode("null-mx.example").reason(r).detail(detail).build();
        assertEquals("""
                {"address":"Jane@Null-MX.example","normalized":"Jane@null-mx.example","domain":"null-mx.example",\
                "domain_unicode":"null-mx.example","smtputf8":false,"verdict":"undeliverable","reason":"null_mx",\
                "detail":"%s",\
                "predicted_reply":{"code":556,"enhanced":"5.1.10","reference":"/v1/smtp-codes/556"},\
                "role":false,"disposable":false,"free_provider":false,"suggestion":null,\
                "mx":[],"mx_fallback":null,"null_mx_ignored":false,"smtp":null,"security":null,"tries":1}\
                """.formatted(detail), ResultJson.mapper(LINK).writeValueAsString(result));
    }
}
