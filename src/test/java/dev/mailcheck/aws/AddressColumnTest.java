package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The column an upload names in its metadata, as S3 returns it (RFC 2047 encoded words when not ASCII). */
class AddressColumnTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # metadata value                                   | column
            work                                               | work
            ' Email Address '                                  | Email Address
            =?UTF-8?B?Y29ycmVvIGVsZWN0csOzbmljbw==?=           | correo electrónico
            =?utf-8?q?correo_electr=C3=B3nico?=                | correo electrónico
            =?UTF-8?Q?E-Mail-?= =?UTF-8?Q?Adresse?=            | E-Mail-Adresse
            =?ISO-8859-1?Q?Adresse_=E9lectronique?=            | Adresse électronique
            =?x-no-such-charset?Q?abc?=                        | =?x-no-such-charset?Q?abc?=
            =?UTF-8?B?not base64!?=                           | =?UTF-8?B?not base64!?=
            ''                                                 | -
            -                                                  | -
            """)
    void readFromMetadata(String value, String column) {
        assertEquals(column, AddressColumn.of(value == null ? Map.of() : Map.of(AddressColumn.METADATA, value)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"work", "Email Address", "correo electrónico", "e-post", "電子メール"})
    void writtenAsS3CarriesItAndReadBack(String column) {
        String value = AddressColumn.metadata(column).get(AddressColumn.METADATA);
        assertTrue(value.chars().allMatch(c -> c >= 0x20 && c < 0x7f), value);
        assertEquals(column, AddressColumn.of(Map.of(AddressColumn.METADATA, value)));
    }
}
