package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.mailcheck.Reason;
import dev.mailcheck.SmtpReply;
import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.address.ParsedAddress;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import dev.mailcheck.smtp.Block;
import dev.mailcheck.smtp.BreakerState;
import dev.mailcheck.smtp.LocalBreakerState;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.RateBudget;
import dev.mailcheck.smtp.SmtpOutcome;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.testbed.Postfix;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/**
 * The block breaker's state and the pacing budgets as the SMTP workers share them, in DynamoDB under moto with
 * the SMTP function's permissions: workers counting or reserving at the same moment never lose a count or share
 * a slot (conditional writes), and what one trips, another sees.
 */
class DynamoSharedGuardTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private MotoStack stack;

    @BeforeEach
    void fresh() {
        stack = new MotoStack();
    }

    @AfterEach
    void close() {
        stack.close();
    }

    /** Twenty reservations of a 60-a-minute budget from four workers at once: one a second, none shared; then free. */
    @Test
    void workersReservingAtOnceNeverShareASlot() {
        List<RateBudget> workers = IntStream.range(0, 4)
                .mapToObj(i -> (RateBudget) new DynamoRateBudget(stack.smtp.dynamo(), MotoStack.TABLE)).toList();
        List<Instant> starts;
        try (ExecutorService at = Executors.newVirtualThreadPerTaskExecutor()) {
            starts = IntStream.range(0, 20).mapToObj(i -> CompletableFuture.supplyAsync(
                            () -> workers.get(i % 4).reserve("group#rcpt", 1, 60, NOW), at))
                    .toList().stream().map(CompletableFuture::join).sorted().toList();
        }
        assertEquals(IntStream.range(0, 20).mapToObj(NOW::plusSeconds).toList(), starts);
        assertEquals(NOW.plusSeconds(20), workers.getFirst().nextFree("group#rcpt"), "a look at the budget");
        assertEquals(Instant.EPOCH, workers.getFirst().nextFree("group#never-reserved"));
    }

    /**
     * A vague refusal needs two domains: one worker counts the first, another the second and trips the block, which
     * counts for it at once and for a third once what the third read before is {@link DynamoBreakerState#FRESH_FOR}
     * old, until the cool-down ends; then the group is free again.
     */
    @Test
    void aBlockCountedByTwoWorkersIsSeenByAThird() {
        BreakerState first = new DynamoBreakerState(stack.smtp.dynamo(), MotoStack.TABLE);
        BreakerState second = new DynamoBreakerState(stack.smtp.dynamo(), MotoStack.TABLE);
        BreakerState third = new DynamoBreakerState(stack.smtp.dynamo(), MotoStack.TABLE);
        Block refusal = new Block("outlook.com", "mx1.example.mail.protection.outlook.com", "192.0.2.1",
                new SmtpReply(550, "5.7.1"), "550 5.7.1 Service unavailable, Client host blocked", NOW,
                NOW.plus(Duration.ofMinutes(30)));
        assertNull(first.refused(refusal, "a.example", 2, NOW));
        assertNull(third.blocked("outlook.com", NOW));
        Block tripped = second.refused(refusal, "b.example", 2, NOW.plusSeconds(1));
        assertEquals(refusal, tripped);
        assertEquals(refusal, second.blocked("outlook.com", NOW.plusSeconds(1)), "its own ban counts at once");
        assertNull(third.blocked("outlook.com", NOW.plusSeconds(2)), "what it read at NOW stands for a while");
        assertEquals(refusal, third.blocked("outlook.com", NOW.plus(DynamoBreakerState.FRESH_FOR)));
        assertEquals(refusal, first.blocked("outlook.com", NOW.plus(DynamoBreakerState.FRESH_FOR)));
        assertNull(third.blocked("outlook.com", NOW.plus(Duration.ofMinutes(31))));
        assertNull(third.blocked("google", NOW));
    }

    /**
     * One thread of a worker reads the group's breaker (nothing there) while another thread of the same worker trips
     * it: the read, answered before the trip but remembered after it, must not hide the worker's own ban. The trip
     * is run from inside the first read's answer, which makes that interleaving certain.
     */
    @Test
    void aReadAnsweredBeforeThisWorkersOwnTripDoesNotHideIt() {
        Block refusal = new Block("outlook.com", "mx1.example.mail.protection.outlook.com", "192.0.2.1",
                new SmtpReply(550, "5.7.1"), "550 5.7.1 Service unavailable, Client host blocked", NOW,
                NOW.plus(Duration.ofMinutes(30)));
        AtomicReference<BreakerState> worker = new AtomicReference<>();
        AtomicBoolean tripped = new AtomicBoolean();
        DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(stack.smtp.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(stack.smtp.credentials()).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                        if (context.request() instanceof GetItemRequest && tripped.compareAndSet(false, true)) {
                            assertEquals(refusal, worker.get().refused(refusal, "a.example", 1, NOW));
                        }
                    }
                })).build();
        worker.set(new DynamoBreakerState(dynamo, MotoStack.TABLE));
        assertEquals(refusal, worker.get().blocked("outlook.com", NOW));
        assertEquals(refusal, worker.get().blocked("outlook.com", NOW.plusSeconds(1)));
    }

    /**
     * The budgets' store fails (its table is not there yet: any DynamoDB error would do) while a worker holds its MX
     * address's session slot (real Postfix, one session per MX address): that address is answered "failed
     * unexpectedly", and the slot is given back, so that the next domain on the MX, once the store is back, is asked.
     * Before (found by a review) the slot stayed taken for good: every later domain on that MX address waited for it
     * until its deadline.
     */
    @Test
    void aBudgetStoreFailureGivesTheMxAddressSlotBack() {
        String table = "budgets-not-yet";
        SmtpSettings settings = SmtpSettings.defaults().withHelo("prober.test").withPort(Postfix.shared().port())
                .withStarttls(false).withLinger(Duration.ofMillis(50)).withPerHostSessions(1);
        Pacing pacing = new Pacing(true, Pacing.DEFAULT_COOL_DOWN, 60, 0);
        try (SmtpProber prober = new SmtpProber(settings, pacing, new LocalBreakerState(),
                new DynamoRateBudget(stack.admin.dynamo(), table), InstantSource.system())) {
            SmtpOutcome failed = probe(prober, "d9700", null);
            assertEquals(Reason.SMTP_PROTOCOL_ERROR, failed.reason(), failed::detail);
            stack.admin.dynamo().createTable(DynamoResultStore.tableDefinition(table));
            SmtpOutcome asked = probe(prober, "d9701", System.nanoTime() + Duration.ofSeconds(5).toNanos());
            assertEquals(Reason.ACCEPT_ALL, asked.reason(), asked::detail);
        }
    }

    private static SmtpOutcome probe(SmtpProber prober, String label, Long deadline) {
        String d = label + "." + Postfix.BENCH_DOMAIN;
        EmailAddress a = ((ParsedAddress.Valid) new AddressParser().parse("alice@" + d)).address();
        MailDomain domain = new MailDomain(d, Reason.ACCEPTS_MAIL, "",
                List.of(new MxHost(10, "mx.budget.test", List.of("127.0.0.2"))), null, false, 60, Map.of());
        return prober.probe(a, domain, deadline, "5 s").join();
    }
}
