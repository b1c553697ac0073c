package dev.mailcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ReasonTest {

    /**
     * The class of reply each reason predicts, written down here rather than worked out from the reply under
     * test: a real send is taken (2), refused (5) or deferred (4). Unknowns are deferrals but for a 252, which
     * takes the mail without vouching for the mailbox; a risky accept-all takes it, a full mailbox refuses it.
     */
    private static final String CLASSES = """
            ACCEPTS_MAIL         2
            INVALID_SYNTAX       5
            NULL_MX              5
            NO_SUCH_DOMAIN       5
            NO_MAIL_HOST         5
            MX_UNRESOLVABLE      5
            DNS_FAILURE          4
            MX_PRIVATE_ADDRESS   5
            MAILBOX_ACCEPTED     2
            ACCEPT_ALL           2
            UNVERIFIABLE         2
            MAILBOX_REJECTED     5
            MAILBOX_FULL         5
            SMTPUTF8_UNSUPPORTED 5
            DOMAIN_REFUSES_MAIL  5
            TEMPORARY_FAILURE    4
            SMTP_BLOCKED         4
            SMTP_UNREACHABLE     4
            SMTP_PROTOCOL_ERROR  4
            """;

    @ParameterizedTest
    @EnumSource(Reason.class)
    void predictedReplyIsOfTheClassARealSendWouldMeet(Reason reason) {
        Map<String, Integer> classes = CLASSES.lines().map(l -> l.trim().split("\\s+"))
                .collect(Collectors.toMap(c -> c[0], c -> Integer.valueOf(c[1])));
        SmtpReply reply = reason.predictedReply();
        assertNotNull(classes.get(reason.name()), "a reason with no class written down: " + reason);
        assertEquals(classes.get(reason.name()), reply.code() / 100, reason + " predicts " + reply);
        assertNotNull(reply.enhanced(), "every prediction has an RFC 3463 code");
        assertEquals(String.valueOf(reply.code() / 100), reply.enhanced().substring(0, 1),
                "the enhanced code's class is the reply's (RFC 3463): " + reply);
        int expectedByVerdict = switch (reason.verdict()) {
            case DELIVERABLE -> 2;
            case UNDELIVERABLE -> 5;
            case UNKNOWN, RISKY -> classes.get(reason.name());
        };
        assertEquals(expectedByVerdict, reply.code() / 100, reason + " is " + reason.verdict());
    }

    @Test
    void readmeTableListsEveryReasonAsTheEnumDefinesIt() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String table = readme.substring(readme.indexOf("<!-- reasons:start"), readme.indexOf("<!-- reasons:end"));
        List<String> rows = table.lines().filter(l -> l.startsWith("| `")).toList();
        List<String> expected = Arrays.stream(Reason.values()).map(r -> "| `" + r.code() + "` | " + r.verdict().code()
                + " | " + r.predictedReply() + " | " + r.meaning() + " |").toList();
        assertEquals(expected, rows);
    }
}
