package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A stage ends at its deadline however its bytes come (none, or one at a time, each in time for a per-read
 * timeout), and earlier when the checks waiting for the session end first; what the alarm interrupts says
 * which limit it was. The peer is a bare loopback socket that sends bytes on a schedule: no SMTP is needed
 * to hold a read open.
 */
class StageDeadlinesTest {

    private ServerSocket server;
    private final ExecutorService peer = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        peer.shutdownNow();
    }

    /** A connection whose far end sends {@code bytes} bytes, one every {@code everyMs}, then stays silent. */
    private Socket peerSending(int bytes, long everyMs) throws IOException {
        Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
        Socket far = server.accept();
        peer.execute(() -> {
            try (far; OutputStream out = far.getOutputStream()) {
                for (int i = 0; i < bytes; i++) {
                    Thread.sleep(everyMs);
                    out.write('x');
                    out.flush();
                }
                Thread.sleep(60_000);
            } catch (IOException | InterruptedException e) {
                // the test is over
            }
        });
        return client;
    }

    private static StageDeadlines deadlines(long rcptMs, Long untilFromNowMs) {
        SmtpSettings settings = SmtpSettings.defaults().withTimeouts(Map.of(Stage.RCPT, Duration.ofMillis(rcptMs)));
        return new StageDeadlines(settings,
                untilFromNowMs == null ? null : System.nanoTime() + Duration.ofMillis(untilFromNowMs).toNanos());
    }

    /** Reads {@code n} bytes, each with a per-read timeout that every byte resets, as the session's reader does. */
    private static StageDeadlines.Io<Integer> read(Socket s, int n) {
        return () -> {
            s.setSoTimeout(1_000);
            InputStream in = s.getInputStream();
            for (int i = 0; i < n; i++) {
                if (in.read() < 0) {
                    throw new IOException("closed by the peer");
                }
            }
            return n;
        };
    }

    record Scenario(String name, long rcptMs, Long untilMs, int bytesSent, long everyMs, int bytesRead,
                    Class<? extends Exception> ends, String message, long endsAfterMs) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                new Scenario("an answer within the stage", 2_000, null, 1, 50, 1, null, null, 0),
                new Scenario("silence: the stage's deadline", 300, null, 0, 0, 1,
                        ReplyReader.DeadlineException.class, "no end to rcpt within its 300 ms", 300),
                new Scenario("a drip that each read's timeout would let run for 3 s: the stage's deadline", 400, null,
                        30, 100, 30, ReplyReader.DeadlineException.class, "no end to rcpt within its 400 ms", 400),
                new Scenario("the checks' deadline before the stage's: abandoned", 5_000, 300L, 0, 0, 1,
                        StageDeadlines.Abandoned.class, "the checks waiting for this session reached their deadline", 300),
                new Scenario("the stage's deadline before the checks'", 300, 5_000L, 0, 0, 1,
                        ReplyReader.DeadlineException.class, "no end to rcpt within its 300 ms", 300),
                new Scenario("the checks' deadline already past: abandoned at once", 5_000, -1L, 0, 0, 1,
                        StageDeadlines.Abandoned.class, "the checks waiting for this session reached their deadline", 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aStageEndsAtTheFirstDeadlineWhateverItsBytesDo(Scenario c) throws Exception {
        try (Socket s = peerSending(c.bytesSent(), c.everyMs())) {
            StageDeadlines d = deadlines(c.rcptMs(), c.untilMs());
            long start = System.nanoTime();
            if (c.ends() == null) {
                assertEquals(c.bytesRead(), d.guard(s, Stage.RCPT, d.deadline(Stage.RCPT), read(s, c.bytesRead())));
                assertFalse(s.isClosed(), "an answer in time leaves the connection open");
            } else {
                Exception e = assertThrows(IOException.class,
                        () -> d.guard(s, Stage.RCPT, d.deadline(Stage.RCPT), read(s, c.bytesRead())));
                assertInstanceOf(c.ends(), e);
                assertEquals(c.message(), e.getMessage());
                assertTrue(s.isClosed(), "the alarm closed the socket");
            }
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            // Not before the deadline; well before what a per-read timeout or the later limit would allow (a
            // margin for a loaded machine, where timers run late).
            assertTrue(c.ends() == null || tookMs >= c.endsAfterMs() - 5, "ended early, after " + tookMs + " ms");
            assertTrue(tookMs < c.endsAfterMs() + 1_500, "ended after " + tookMs + " ms");
        }
    }

    @Test
    void aStageThatEndedInTimeLeavesNoAlarmBehind() throws Exception {
        try (Socket s = peerSending(1, 0)) {
            StageDeadlines d = deadlines(100, null);
            assertEquals(1, d.guard(s, Stage.RCPT, d.deadline(Stage.RCPT), read(s, 1)));
            Thread.sleep(400);
            assertFalse(s.isClosed(), "an alarm for a stage that ended closed the connection later");
        }
    }

    @Test
    void garbageFromTheServerStaysGarbageAfterTheAlarm() throws Exception {
        try (Socket s = peerSending(0, 0)) {
            StageDeadlines d = deadlines(100, null);
            ReplyReader.ProtocolException garbage = new ReplyReader.ProtocolException("malformed reply line");
            assertThrows(IOException.class, () -> d.guard(s, Stage.RCPT, d.deadline(Stage.RCPT), read(s, 1)));
            // The alarm has fired for this session; a later stage's own protocol error is still reported as such.
            IOException e = assertThrows(IOException.class, () -> d.guard(s, Stage.RCPT, d.deadline(Stage.RCPT), () -> {
                throw garbage;
            }));
            assertEquals(garbage, e);
        }
    }
}
