package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.Reason;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.address.ParsedAddress;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An address whose check's deadline has passed is no longer wanted, even while the timer that answers it at the
 * deadline has not run yet (a loaded machine runs it late): a worker that fills its transaction then must not take
 * it, nor mark it tried, or its answer says "no answer" for an address never asked. The timer is left out here,
 * so nothing depends on timing: the address is answered only when the test says so.
 */
class HeldTest {

    private static EmailAddress address(String a) {
        return ((ParsedAddress.Valid) new AddressParser().parse(a)).address();
    }

    @ParameterizedTest(name = "deadline {0} ms from now -> wanted {1}")
    @CsvSource(textBlock = """
            -1,     false
            60000,  true
            """)
    void aPendingPastItsDeadlineIsNeitherTakenNorTried(long fromNowMs, boolean wanted) {
        Pending p = new Pending(address("a@x.test"), System.nanoTime() + Duration.ofMillis(fromNowMs).toNanos());
        LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        queue.add(p);
        Held held = new Held(2);
        assertEquals(wanted, held.fill(queue, Duration.ZERO), "taken into a transaction");
        assertEquals(wanted, held.wanted());
        assertTrue(queue.isEmpty());
        p.tried(); // a connection opens for whatever the worker holds, or a command goes out
        p.future.completeExceptionally(new java.util.concurrent.TimeoutException("the timer, late"));
        SmtpOutcome o = p.answer("2 s").join();
        assertEquals(wanted ? Reason.SMTP_UNREACHABLE : Reason.UNVERIFIABLE, o.reason(), o::detail);
        assertEquals(!wanted, o.detail().startsWith("Not tried: "), o::detail);
        assertFalse(held.wanted());
    }
}
