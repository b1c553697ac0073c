package dev.mailcheck.aws;

import dev.mailcheck.smtp.RateBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Pacing budgets shared by every SMTP worker of a stack: the cell rate of {@link dev.mailcheck.smtp.LocalRateBudget}
 * (per key, when the budget is next free) in one item per key of the jobs table, {@code pk = BUDGET#<key>},
 * moved on with a conditional write on the value read, so two workers reserving at once both get their own
 * slot. {@code expires_at} drops a budget an hour after it was last free.
 */
final class DynamoRateBudget implements RateBudget {

    private static final int ATTEMPTS = 20;

    private final DynamoDbClient dynamo;
    private final String table;

    DynamoRateBudget(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Instant reserve(String key, int permits, int perMinute, Instant now) {
        Duration share = RateBudget.share(permits, perMinute);
        Map<String, AttributeValue> id = id(key);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(id)).item();
            boolean exists = item != null && item.containsKey("next_free");
            Instant free = exists ? Instant.ofEpochMilli(Long.parseLong(item.get("next_free").n())) : null;
            Instant start = free == null || free.isBefore(now) ? now : free;
            Instant next = start.plus(share);
            try {
                dynamo.updateItem(b -> b.tableName(table).key(id)
                        .updateExpression("SET next_free = :next, expires_at = :expires")
                        .conditionExpression(exists ? "next_free = :free" : "attribute_not_exists(next_free)")
                        .expressionAttributeValues(exists
                                ? Map.of(":next", n(next.toEpochMilli()), ":expires", n(next.plusSeconds(3600).getEpochSecond()),
                                        ":free", n(free.toEpochMilli()))
                                : Map.of(":next", n(next.toEpochMilli()), ":expires", n(next.plusSeconds(3600).getEpochSecond()))));
                return start;
            } catch (ConditionalCheckFailedException e) {
                // another worker reserved at the same moment: take the slot after theirs
            }
        }
        throw new IllegalStateException("the budget " + key + " kept changing under " + ATTEMPTS + " attempts to reserve");
    }

    /**
     * An eventually consistent read (half the cost): a look a moment stale makes a session reserve that moment early and
     * wait the rest holding its slot, or give its slot up that much later; the reservation itself reads consistently.
     */
    @Override
    public Instant nextFree(String key) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).key(id(key))).item();
        return item != null && item.containsKey("next_free")
                ? Instant.ofEpochMilli(Long.parseLong(item.get("next_free").n())) : Instant.EPOCH;
    }

    private static Map<String, AttributeValue> id(String key) {
        return Map.of("pk", AttributeValue.fromS("BUDGET#" + key), "sk", AttributeValue.fromS("BUDGET"));
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
