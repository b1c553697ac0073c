package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mailcheck.store.ResultStore;
import dev.mailcheck.testbed.Moto;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/**
 * {@link Functions#lazy}: the API's store built on its first call and once, against moto's DynamoDB;
 * what the store throws reaches the caller as itself.
 */
class FunctionsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what the API does with the store            | calls | stores built
            nothing (GET /v1/check uses no store)         | 0     | 0
            one lookup (GET /v1/jobs/ID)                   | 1     | 1
            three lookups                                  | 3     | 1
            holds it, compares it, prints it, no call     | 0     | 0
            """)
    void builtOnTheFirstCallOnly(String scenario, int calls, int built) {
        Moto.shared().reset();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(DynamoResultStoreTest.TABLE));
        AtomicInteger builds = new AtomicInteger();
        ResultStore store = Functions.lazy(ResultStore.class, () -> {
            builds.incrementAndGet();
            return new DynamoResultStore(Moto.shared().dynamo(), DynamoResultStoreTest.TABLE, Duration.ofDays(1));
        });
        for (int i = 0; i < calls; i++) {
            assertEquals(false, store.job("no-such-job").isPresent(), scenario);
        }
        List<ResultStore> held = List.of(store);
        assertEquals(store, held.get(0));
        assertEquals(System.identityHashCode(store), held.get(0).hashCode());
        assertEquals("lazy ResultStore", store.toString());
        assertEquals(built, builds.get(), scenario);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # the store's table
            missing
            """)
    void whatTheStoreThrowsReachesTheCallerAsItself(String table) {
        Moto.shared().reset();
        ResultStore store = Functions.lazy(ResultStore.class,
                () -> new DynamoResultStore(Moto.shared().dynamo(), table, Duration.ofDays(1)));
        assertThrows(ResourceNotFoundException.class, () -> store.job("some-job"));
    }
}
