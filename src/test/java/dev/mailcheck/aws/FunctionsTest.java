package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.store.ResultStore;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Functions#lazy}: the API's store built on its first call and once; what a proxy's own methods (equals,
 * hashCode, toString) answer without building it; what the store throws reaches the caller as itself. The
 * proxy is the JDK's: a store in memory stands for DynamoDB, whose client would only be built, never asked.
 */
class FunctionsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what the API does with the store            | calls | stores built
            nothing (GET /v1/check uses no store)         | 0     | 0
            one lookup (GET /v1/jobs/ID)                   | 1     | 1
            three lookups                                  | 3     | 1
            """)
    void builtOnTheFirstCallOnly(String scenario, int calls, int built) {
        AtomicInteger builds = new AtomicInteger();
        try (LocalResultStore local = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            ResultStore store = Functions.lazy(ResultStore.class, () -> {
                builds.incrementAndGet();
                return local;
            });
            for (int i = 0; i < calls; i++) {
                assertEquals(false, store.job("no-such-job").isPresent(), scenario);
            }
            assertEquals(built, builds.get(), scenario);
        }
    }

    /** Held in collections and printed before any call: answered by the proxy, the store not built. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # method
            equals
            hashCode
            toString
            """)
    void theProxysOwnMethodsBuildNothing(String method) {
        AtomicInteger builds = new AtomicInteger();
        try (LocalResultStore local = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            ResultStore store = Functions.lazy(ResultStore.class, () -> {
                builds.incrementAndGet();
                return local;
            });
            ResultStore twin = Functions.lazy(ResultStore.class, () -> local);
            switch (method) {
                case "equals" -> {
                    assertEquals(store, store);
                    assertNotEquals(store, twin, "two proxies are two stores, even over the same one");
                    assertNotEquals(store, local, "a proxy is not what it builds");
                }
                case "hashCode" -> assertEquals(System.identityHashCode(store), store.hashCode());
                case "toString" -> assertEquals("lazy ResultStore", store.toString());
                default -> throw new IllegalArgumentException(method);
            }
            assertEquals(0, builds.get(), method + " built the store");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what the built object throws
            IllegalStateException
            IOException
            """)
    void whatTheStoreThrowsReachesTheCallerAsItself(String thrown) {
        Exception fault = thrown.equals("IOException") ? new IOException("the disk is gone")
                : new IllegalStateException("no such table");
        Callable<String> lazy = Functions.lazy(Callable.class, () -> (Callable<String>) () -> {
            throw fault;
        });
        assertSame(fault, assertThrows(Exception.class, lazy::call), "not wrapped in another exception");
    }
}
