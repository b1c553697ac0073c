package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * A query that can't be asked, or gets no answer, ends as the reading's failure: never an exception out of
 * {@link DnsTransport#query}, and its slot is free again: the second query on a transport of one slot ends too.
 */
class DnsTransportTest {

    static Stream<Arguments> failures() throws Exception {
        return Stream.of(
                // scenario, the name asked, what the failure is
                Arguments.of("a relative name, which has no wire form", Name.fromString("relative"),
                        IllegalArgumentException.class),
                Arguments.of("an absolute name asked of a port where nothing listens", Name.fromString("example.test."),
                        java.io.IOException.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void aQueryThatCannotBeAnsweredEndsAsAFailure(String scenario, Name name, Class<? extends Throwable> kind)
            throws Exception {
        // A port bound and let go: on loopback, nothing listens there now, so a query to it is refused or unanswered.
        int port;
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = taken.getLocalPort();
        }
        InetSocketAddress nobody = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try (DnsTransport transport = new DnsTransport(List.of(nobody), Duration.ofMillis(300), 1, 0, false)) {
            for (int i = 0; i < 2; i++) {
                CompletableFuture<Throwable> failed = transport.query(name, Type.MX, false, new DnsTransport.Reading<>() {
                    @Override
                    public CompletableFuture<Throwable> answered(Message answer, long deadline) {
                        return CompletableFuture.completedFuture(null);
                    }

                    @Override
                    public Throwable failed(Throwable error, String timedOut) {
                        return error;
                    }
                });
                Throwable error = failed.get(5, TimeUnit.SECONDS);
                assertTrue(kind.isInstance(error), scenario + ": " + error);
            }
        }
    }
}
