package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.testbed.FakeDnsServer;
import dev.mailcheck.testbed.Nsd;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The pooled UDP transport on its own, against NSD (and, for silence, a fake that never answers). */
class PooledUdpClientTest {

    private static final Name DOMAIN = Name.fromConstantString("good.checker.test.");
    private static final int WINDOW = 4;

    /**
     * Sockets are retired while other threads pick them: a query must never be handed a socket that is
     * being closed (its send used to fail, and the failure could be cached as dns_failure).
     */
    @ParameterizedTest(name = "{0} threads x {1} queries, a socket retired after {2}")
    @CsvSource(textBlock = """
            # threads | queries each | queries per socket
              16      | 400          | 1
              16      | 400          | 3
              4       | 1000         | 1
              16      | 400          | 5000
            """, delimiter = '|')
    void noQueryFailsWhileSocketsAreRetired(int threads, int each, int perSocket) throws Exception {
        InetSocketAddress nsd = Nsd.shared().address();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try (PooledUdpClient client = new PooledUdpClient(perSocket)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                // Platform threads, so that the scheduler interleaves them anywhere, as under load.
                workers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        // A few in flight per thread, as the resolver's in-flight limit keeps it: thousands at
                        // once would overflow the socket's receive buffer, a loss no transport can prevent.
                        for (int i = 0; i < each; i += WINDOW) {
                            List<CompletableFuture<String>> answers = new ArrayList<>();
                            for (int j = 0; j < WINDOW; j++) {
                                answers.add(ask(client, nsd, Duration.ofSeconds(20)));
                            }
                            for (CompletableFuture<String> a : answers) {
                                String problem = a.handle((ok, e) -> e == null ? ok : e.toString()).join();
                                if (problem != null) {
                                    failures.add(problem);
                                }
                            }
                        }
                    } catch (InterruptedException e) {
                        failures.add(e.toString());
                    }
                }));
            }
            start.countDown();
            for (Thread w : workers) {
                w.join();
            }
            assertEquals(List.of(), List.copyOf(failures).subList(0, Math.min(5, failures.size())),
                    failures.size() + " of " + threads * each + " queries failed");
        }
    }

    /** A finished query leaves nothing behind: answered or timed out, it no longer waits on its socket. */
    @ParameterizedTest(name = "server {0}")
    @CsvSource(textBlock = """
            # server   | queries | timeout ms
              answers  | 2000    | 3600000
              silent   | 50      | 200
            """, delimiter = '|')
    void finishedQueriesLeaveNoTimeoutBehind(String server, int queries, long timeoutMs) throws Exception {
        try (FakeDnsServer silent = new FakeDnsServer((q, t) -> null);
             PooledUdpClient client = new PooledUdpClient()) {
            InetSocketAddress to = server.equals("silent") ? silent.address() : Nsd.shared().address();
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < queries; i++) {
                answers.add(ask(client, to, Duration.ofMillis(timeoutMs)));
            }
            for (CompletableFuture<String> a : answers) {
                try {
                    assertEquals(null, a.get(), "the answer");
                } catch (ExecutionException e) {
                    assertTrue(server.equals("silent") && e.getCause() instanceof java.net.SocketTimeoutException,
                            e::toString);
                }
            }
            // A query leaves its socket as it completes; the last one may be a moment behind.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (client.waitingQueries() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, client.waitingQueries(), "queries still waiting");
        }
    }

    /**
     * An ICMP error for one of a socket's packets (the server's port unreachable; its network or host prohibited by a
     * filter, as a firewall's REJECT answers) fails what waits on that socket, and the socket's reader goes on: later
     * queries are answered. Before, any error but "port unreachable" ended the reader while the socket stayed in its
     * slot, so each of its next 5,000 queries waited out its timeout (found by a review). The errors are real ICMP
     * messages to 127.0.0.1 (src/test/resources/dns/icmp-unreachable.py); codes 0 and 1 are not fatal and never
     * reach a UDP socket, so they are not here.
     */
    @ParameterizedTest(name = "ICMP destination unreachable, code {0}: {1}")
    @CsvSource(textBlock = """
            # code | what
              3    | port unreachable
              9    | network administratively prohibited
              10   | host administratively prohibited
              13   | communication administratively prohibited
            """, delimiter = '|')
    void aSocketsReaderGoesOnAfterAnIcmpError(int code, String what) throws Exception {
        try (FakeDnsServer server = new FakeDnsServer((q, t) -> FakeDnsServer.reply(q, Rcode.NXDOMAIN).toWire());
             PooledUdpClient client = new PooledUdpClient()) {
            InetSocketAddress to = server.address();
            // Enough queries that every socket of the pool has sent some.
            for (CompletableFuture<byte[]> q : exchange(client, to, 0, 200)) {
                q.get(5, TimeUnit.SECONDS);
            }
            List<String> command = new ArrayList<>(List.of("python3",
                    Path.of("src/test/resources/dns/icmp-unreachable.py").toAbsolutePath().toString(),
                    String.valueOf(code), String.valueOf(to.getPort())));
            server.udpClientPorts().forEach(port -> command.add(String.valueOf(port)));
            int exit = new ProcessBuilder(command).inheritIO().start().waitFor();
            Assumptions.assumeTrue(exit != 77, "a raw socket needs root");
            assertEquals(0, exit, "the ICMP sender");
            Thread.sleep(100); // the errors reach the sockets, and their readers, first
            long answered = 0;
            for (CompletableFuture<byte[]> q : exchange(client, to, 1000, 40)) {
                answered += q.handle((bytes, e) -> e == null ? 1 : 0).get(5, TimeUnit.SECONDS);
            }
            assertEquals(40, answered, "queries answered after the ICMP errors");
        }
    }

    private static List<CompletableFuture<byte[]>> exchange(PooledUdpClient client, InetSocketAddress to, int first,
                                                           int count) {
        List<CompletableFuture<byte[]>> answers = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            Message query = Message.newQuery(Record.newRecord(Name.fromConstantString("n" + i + ".fault.test."), Type.MX,
                    DClass.IN));
            answers.add(client.exchange(to, query.toWire(), Duration.ofSeconds(1)));
        }
        return answers;
    }

    /** One MX query; completes with null when NSD's answer is right, or with what is wrong with it. */
    private static CompletableFuture<String> ask(PooledUdpClient client, InetSocketAddress server, Duration timeout) {
        Message query = Message.newQuery(Record.newRecord(DOMAIN, Type.MX, DClass.IN));
        return client.sendAndReceiveUdp(null, server, query, query.toWire(), 512, timeout).thenApply(bytes -> {
            try {
                Message answer = new Message(bytes);
                return answer.getHeader().getID() == query.getHeader().getID() && answer.getRcode() == Rcode.NOERROR
                        && !answer.getSection(1).isEmpty() ? null : "wrong answer: " + answer;
            } catch (java.io.IOException e) {
                throw new CompletionException(e);
            }
        });
    }
}
