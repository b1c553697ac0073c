package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.mailcheck.SmtpReply;
import dev.mailcheck.smtp.Block;
import dev.mailcheck.smtp.BreakerState;
import dev.mailcheck.smtp.RateBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
}
