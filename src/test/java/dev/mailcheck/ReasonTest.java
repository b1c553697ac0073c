package dev.mailcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ReasonTest {

    @ParameterizedTest
    @EnumSource(Reason.class)
    void predictedReplyAgreesWithTheVerdict(Reason reason) {
        SmtpReply reply = reason.predictedReply();
        assertNotNull(reply.enhanced(), "every prediction has an RFC 3463 code");
        int expectedClass = switch (reason.verdict()) {
            case DELIVERABLE -> 2;
            case UNDELIVERABLE -> 5;
            // 252 is a positive reply that still tells nothing about the mailbox.
            case UNKNOWN -> reply.code() == 252 ? 2 : 4;
            case RISKY -> reply.code() / 100;
        };
        assertEquals(expectedClass, reply.code() / 100, reason + " predicts " + reply);
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
