package dev.mailcheck.aws;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mailcheck.SmtpReply;
import dev.mailcheck.smtp.Block;
import dev.mailcheck.smtp.BreakerState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The block breaker's memory shared by every SMTP worker (Lambda instance) of a stack: one item per provider
 * group in the jobs table, {@code pk = BREAKER#<group>}, holding the block in force (if any), the first refusal
 * of the current count and the domains counted. Updated read-modify-write under a version condition, so two
 * workers counting at once never lose a refusal; {@code expires_at} (the table's TTL) drops it a minute after
 * its cool-down, as {@link dev.mailcheck.smtp.LocalBreakerState} does in one process.
 *
 * <p>The probe asks {@link #blocked} before every address and session: a group's answer read from the table is
 * taken as it was for {@link #FRESH_FOR}, so a block another worker trips stops this one that much later at most,
 * while one this worker records (or meets while counting) counts here at once. Freshness is judged by the
 * {@code now} the caller passes, not by this process's clock, which a Lambda environment frozen between
 * invocations (or restored from a SnapStart snapshot) does not advance alike.
 */
final class DynamoBreakerState implements BreakerState {

    /** How long a group's block (or its absence) read from the table stands before it is read again. */
    static final Duration FRESH_FOR = Duration.ofSeconds(5);
    private static final int MAX_DOMAINS = 16;
    private static final int ATTEMPTS = 20;

    /** A group's block in force when it was read (null: none), and when that was. */
    private record Seen(Block block, Instant at) {
    }

    private final DynamoDbClient dynamo;
    private final String table;
    /** Bounded by groups; an entry outlives its freshness by little (by this process's clock, which is enough here). */
    private final Cache<String, Seen> seen = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterWrite(FRESH_FOR.multipliedBy(2)).build();

    DynamoBreakerState(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Block blocked(String group, Instant now) {
        Seen last = seen.getIfPresent(group);
        if (last == null || now.isBefore(last.at()) || !now.isBefore(last.at().plus(FRESH_FOR))) {
            Map<String, AttributeValue> item = read(group);
            last = remember(group, new Seen(item == null ? null : block(item, "block_"), now));
        }
        Block block = last.block();
        return block != null && now.isBefore(block.until()) ? block : null;
    }

    /**
     * Merged, not put: a ban another thread of this worker recorded while a read was out must not be overwritten by
     * that read. Bans are never lifted early, so the later end is always the one to keep.
     */
    private Seen remember(String group, Seen latest) {
        return seen.asMap().merge(group, latest, (held, read) -> inForce(held, read.at())
                && (read.block() == null || held.block().until().isAfter(read.block().until()))
                ? new Seen(held.block(), read.at()) : read);
    }

    private static boolean inForce(Seen seen, Instant at) {
        return seen.block() != null && at.isBefore(seen.block().until());
    }

    @Override
    public Block refused(Block refusal, String domain, int needed, Instant now) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Map<String, AttributeValue> item = read(refusal.group());
            Block block = item == null ? null : block(item, "block_");
            if (block != null && now.isBefore(block.until())) {
                remember(refusal.group(), new Seen(block, now));
                return block; // blocked already: the first refusal stays the one reported
            }
            Block first = item == null ? null : block(item, "first_");
            boolean fresh = first == null || !now.isBefore(first.until());
            Set<String> domains = new LinkedHashSet<>(fresh || !item.containsKey("domains") ? List.of()
                    : item.get("domains").ss());
            if (domains.size() < MAX_DOMAINS) {
                domains.add(domain);
            }
            Block tripped = domains.size() >= needed ? refusal : null;
            Map<String, AttributeValue> next = new HashMap<>();
            next.put("pk", s("BREAKER#" + refusal.group()));
            next.put("sk", s("BREAKER"));
            put(next, "first_", fresh ? refusal : first);
            if (tripped != null) {
                put(next, "block_", tripped);
            }
            next.put("domains", AttributeValue.fromSs(List.copyOf(domains)));
            long version = item == null ? 0 : Long.parseLong(item.get("version").n());
            next.put("version", n(version + 1));
            Instant keep = (tripped != null ? tripped : fresh ? refusal : first).until().plusSeconds(60);
            next.put("expires_at", n(keep.getEpochSecond()));
            try {
                dynamo.putItem(b -> b.tableName(table).item(next).conditionExpression(
                                item == null ? "attribute_not_exists(pk)" : "version = :version")
                        .expressionAttributeValues(item == null ? null : Map.of(":version", n(version))));
                remember(refusal.group(), new Seen(tripped, now)); // this worker's own ban counts here at once
                return tripped;
            } catch (ConditionalCheckFailedException e) {
                // another worker counted at the same moment: read again and count on top of it
            }
        }
        throw new IllegalStateException("the breaker of " + refusal.group() + " kept changing under " + ATTEMPTS
                + " attempts to count a refusal");
    }

    private Map<String, AttributeValue> read(String group) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of("pk", s("BREAKER#" + group), "sk", s("BREAKER")))).item();
        return item == null || item.isEmpty() ? null : item;
    }

    private static void put(Map<String, AttributeValue> item, String prefix, Block b) {
        item.put(prefix + "group", s(b.group()));
        item.put(prefix + "host", s(b.host()));
        item.put(prefix + "address", s(b.address()));
        item.put(prefix + "code", n(b.reply().code()));
        if (b.reply().enhanced() != null) {
            item.put(prefix + "enhanced", s(b.reply().enhanced()));
        }
        item.put(prefix + "text", s(b.text()));
        item.put(prefix + "at", s(b.at().toString()));
        item.put(prefix + "until", s(b.until().toString()));
    }

    private static Block block(Map<String, AttributeValue> item, String prefix) {
        if (!item.containsKey(prefix + "until")) {
            return null;
        }
        AttributeValue enhanced = item.get(prefix + "enhanced");
        return new Block(item.get(prefix + "group").s(), item.get(prefix + "host").s(), item.get(prefix + "address").s(),
                new SmtpReply(Integer.parseInt(item.get(prefix + "code").n()), enhanced == null ? null : enhanced.s()),
                item.get(prefix + "text").s(), Instant.parse(item.get(prefix + "at").s()),
                Instant.parse(item.get(prefix + "until").s()));
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
