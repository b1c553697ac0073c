package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.testbed.DynamoFaultProxy;
import dev.mailcheck.testbed.Moto;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** Puts and deletes in BatchWriteItems, sent until DynamoDB took every item: moto behind a proxy that holds items back. */
class BatchWritesTest {

    private static final String TABLE = DynamoResultStoreTest.TABLE;

    @BeforeEach
    void freshTable() {
        Moto.shared().reset();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(TABLE));
    }

    private static List<Map<String, AttributeValue>> keys(int n) {
        return IntStream.range(0, n).mapToObj(i -> Map.of("pk", AttributeValue.fromS("BATCH"),
                "sk", AttributeValue.fromS("ITEM#" + i))).toList();
    }

    private static int stored(DynamoDbClient dynamo) {
        return dynamo.query(b -> b.tableName(TABLE).keyConditionExpression("pk = :pk").select("COUNT")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("BATCH")))).count();
    }

    /** Batches that DynamoDB takes only in part (UnprocessedItems) are sent again until none is left: puts and deletes. */
    @Test
    void unprocessedItemsAreSentAgainUntilNoneIsLeft() {
        try (DynamoFaultProxy proxy = new DynamoFaultProxy(Moto.shared().endpoint(), 30)) {
            BatchWrites writes = new BatchWrites(Moto.dynamo(proxy.endpoint()), TABLE);
            writes.write(keys(500).stream().map(k -> WriteRequest.builder().putRequest(p -> p.item(k)).build()).toList());
            // Batches of one item have nothing to hold back; every larger one among the first 30 had.
            assertTrue(proxy.injected() >= 20, "the proxy injected only " + proxy.injected() + " faults");
            assertEquals(500, stored(Moto.shared().dynamo()));
            writes.delete(keys(500));
        }
        assertEquals(0, stored(Moto.shared().dynamo()));
    }

    /** Through the store: a job's results, none lost. */
    @Test
    void aJobsResultsAreAllStoredThroughTheRetries() {
        try (DynamoFaultProxy proxy = new DynamoFaultProxy(Moto.shared().endpoint(), 30)) {
            DynamoResultStore store = new DynamoResultStore(Moto.dynamo(proxy.endpoint()), TABLE, Duration.ofDays(30), SmtpCodes::link);
            store.putResults("j3", DynamoResultStoreTest.results(500));
            // Batches of one item have nothing to hold back; every larger one among the first 30 had.
            assertTrue(proxy.injected() >= 20, "the proxy injected only " + proxy.injected() + " faults");
        }
        assertEquals(500, DynamoResultStoreTest.count(Moto.shared().dynamo(), "j3"));
    }
}
