package dev.mailcheck.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.mailcheck.Reason;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.signals.Signals;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The result of an address DNS has answered for, made without the builder: the same as the builder makes. */
class CheckResultTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # input             | local | domain             | unicode     | smtputf8 | reason            | fallback | null MX ignored | normalized kept
            ann@example.com     | ann   | example.com        | example.com | false    | ACCEPTS_MAIL      | -        | false           | true
            Ann@Example.COM     | Ann   | example.com        | example.com | false    | ACCEPTS_MAIL      | -        | true            | false
            bo@xn--bcher-kva.de | bo    | xn--bcher-kva.de   | bücher.de   | false    | NULL_MX           | -        | false           | true
            bo@bücher.de        | bo    | xn--bcher-kva.de   | bücher.de   | false    | NO_SUCH_DOMAIN    | -        | false           | false
            josé@example.org    | josé  | example.org        | example.org | true     | ACCEPTS_MAIL      | A        | false           | true
            x@mail.test         | x     | mail.test          | mail.test   | false    | MX_PRIVATE_ADDRESS | -       | false           | true
            """)
    void ofMakesWhatTheBuilderMakes(String input, String local, String domain, String unicode, boolean smtputf8,
                                    Reason reason, String fallback, boolean nullMxIgnored, boolean normalizedKept) {
        EmailAddress address = new EmailAddress(local, domain, unicode, smtputf8);
        MailDomain md = new MailDomain(domain, reason, "Why " + domain + " is " + reason.code() + ".",
                List.of(new MxHost(10, "mx." + domain, List.of("192.0.2.1"))), fallback, nullMxIgnored, 300, Map.of());
        Signals signals = Signals.of(false, true, false);
        CheckResult built = CheckResult.builder(input).parsed(address).routing(md).reason(md.reason())
                .detail(md.detail()).signals(signals).build();
        CheckResult made = CheckResult.of(input, address, md, signals);
        assertEquals(built, made);
        assertEquals(normalizedKept, made.normalized() == input, "the input kept as its normalized form");
        assertSame(md.mx(), made.mx());
    }
}
