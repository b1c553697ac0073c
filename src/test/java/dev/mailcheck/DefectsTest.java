package dev.mailcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The one log of defects: the whole stack, causes included, under an id that a user's detail can name. */
class DefectsTest {

    @Test
    void aDefectIsLoggedWithItsStackAndCausesUnderItsOwnId() {
        try (LoggedDefects log = new LoggedDefects()) {
            String first = Defects.log("in a test", new IllegalStateException("outer",
                    new ArithmeticException("the cause for jane.doe@example.com")));
            String second = Defects.log("in a test", new IllegalStateException("another"));
            assertNotEquals(first, second);
            String line = log.assertLogged(Defects.mention(first), IllegalStateException.class, "outer",
                    "DefectsTest.aDefectIsLoggedWithItsStackAndCausesUnderItsOwnId");
            assertTrue(line.startsWith("internal error " + first + " in a test: "), line);
            assertTrue(line.contains("Caused by: java.lang.ArithmeticException: the cause for j***@example.com"), line);
            assertFalse(line.contains("jane.doe"), "an address in a log is masked: " + line);
            assertEquals(2, log.lines().size());
        }
    }
}
