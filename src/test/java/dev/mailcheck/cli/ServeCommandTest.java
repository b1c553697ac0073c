package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.testbed.ServeProcess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** `checker serve` as a process, over real HTTP on loopback. */
class ServeCommandTest {

    /** A server with short deadlines, for the clients that misbehave. */
    private static ServeProcess hostile;

    @BeforeAll
    static void start() {
        hostile = ServeProcess.start("--header-timeout-ms", "1500", "--body-timeout-ms", "1500");
    }

    @AfterAll
    static void stop() throws InterruptedException {
        hostile.close();
    }

    /**
     * The per-client limit on the check routes (GET and POST /v1/check, /v1/checks): a minute's worth in a
     * burst, then 429 with Retry-After and the CORS headers (a page's script sees the 429, not a CORS refusal);
     * the widget and the other routes are not counted.
     */
    @Test
    void aClientOverItsRateIsAnswered429WithRetryAfter() throws Exception {
        try (ServeProcess serve = ServeProcess.start("--client-rate", "3", "--cors-origin", "https://signup.example")) {
            HttpClient http = HttpClient.newHttpClient();
            List<Integer> statuses = new ArrayList<>();
            HttpResponse<String> last = null;
            for (int i = 0; i < 3; i++) {
                last = http.send(HttpRequest.newBuilder(serve.resolve("/v1/check"))
                        .header("origin", "https://signup.example")
                        .POST(HttpRequest.BodyPublishers.ofString("a" + i + "@good.checker.test")).build(),
                        HttpResponse.BodyHandlers.ofString());
                statuses.add(last.statusCode());
                HttpResponse<String> widget = http.send(HttpRequest.newBuilder(serve.resolve("/widget.js")).build(),
                        HttpResponse.BodyHandlers.ofString());
                statuses.add(widget.statusCode());
            }
            last = http.send(HttpRequest.newBuilder(serve.resolve("/v1/check?address=b%40good.checker.test"))
                    .header("origin", "https://signup.example").build(), HttpResponse.BodyHandlers.ofString());
            statuses.add(last.statusCode());
            assertEquals(List.of(200, 200, 200, 200, 200, 200, 429), statuses);
            // A check every 20 s at 3 a minute: the next one is free in at most 20 s.
            long retry = Long.parseLong(last.headers().firstValue("retry-after").orElseThrow());
            assertTrue(retry >= 1 && retry <= 20, "retry-after " + retry);
            assertEquals("https://signup.example", last.headers().firstValue("access-control-allow-origin").orElseThrow());
            assertEquals("no-store", last.headers().firstValue("cache-control").orElseThrow());
            assertTrue(new ObjectMapper().readTree(last.body()).get("error").asText().startsWith("too many checks"));
        }
    }

    @Test
    void servesTheApi() throws Exception {
        try (ServeProcess serve = ServeProcess.start()) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> check = http.send(HttpRequest.newBuilder(serve.resolve(
                    "/v1/check?address=Ann%40Good.Checker.Test")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, check.statusCode());
            JsonNode result = new ObjectMapper().readTree(check.body());
            assertEquals("Ann@good.checker.test", result.get("normalized").asText());
            assertEquals("deliverable", result.get("verdict").asText());

            HttpResponse<String> checks = http.send(HttpRequest.newBuilder(serve.resolve("/v1/checks"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"addresses\": [\"a@nullmx.checker.test\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, checks.statusCode(), checks.body());
            String job = new ObjectMapper().readTree(checks.body()).get("job_id").asText();
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(serve.resolve("/v1/jobs/" + job)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(1, new ObjectMapper().readTree(status.body()).at("/counts/undeliverable").asInt());

            HttpResponse<String> huge = http.send(HttpRequest.newBuilder(serve.resolve("/v1/checks"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2_000_000))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, huge.statusCode());

            HttpResponse<byte[]> widget = http.send(HttpRequest.newBuilder(serve.resolve("/widget.js"))
                    .header("accept-encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals("text/javascript; charset=utf-8", widget.headers().firstValue("content-type").orElse(null));
            assertEquals("gzip", widget.headers().firstValue("content-encoding").orElse(null));
            assertTrue(new String(new GZIPInputStream(new ByteArrayInputStream(widget.body())).readAllBytes(),
                    StandardCharsets.UTF_8).contains("window.MailCheck"));
            HttpResponse<String> again = http.send(HttpRequest.newBuilder(serve.resolve("/widget.js"))
                    .header("if-none-match", widget.headers().firstValue("etag").orElseThrow()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(304, again.statusCode());
        }
    }

    /**
     * Clients that trickle, stall, or send what HTTP/1.1 does not allow: each gets its answer and a closed
     * connection, or only the closed connection, and a client that keeps sending cannot hold one past the
     * deadline (1.5 s here). {@code a{N}} stands for N times {@code a}, CRLF for a line end.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # scenario                                   | sent at once                                                                | then a byte every 200 ms | answer
            headers arriving a byte every 200 ms         | GET /v1/check?address=a%40good.checker.test HTTP/1.1CRLFHost: tCRLF          | X-Slow: a{1000}          | -
            headers started, then silence                | GET /v1/check?address=a%40good.checker.test HTTP/1.1CRLFHost: tCRLF          | -                        | -
            a body arriving a byte every 200 ms          | POST /v1/checks HTTP/1.1CRLFHost: tCRLFContent-Length: 5000CRLFCRLF{        | a{1000}                  | HTTP/1.1 408
            a malformed chunk size                       | POST /v1/checks HTTP/1.1CRLFHost: tCRLFTransfer-Encoding: chunkedCRLFCRLFzzCRLFabcCRLF0CRLFCRLF | - | HTTP/1.1 400
            a header block over 16 KiB                   | GET /v1/check HTTP/1.1CRLFHost: tCRLFX-Big: a{20000}CRLFCRLF                  | -                        | HTTP/1.1 431
            a request line over 16 KiB                   | GET /v1/check?a{20000} HTTP/1.1CRLFHost: tCRLFCRLF                           | -                        | HTTP/1.0 414
            a broken percent-escape in the query         | GET /v1/check?address=%zz HTTP/1.1CRLFHost: tCRLFCRLF                        | -                        | HTTP/1.1 400
            a kept-alive connection with nothing more    | GET /v1/check?address=a%40good.checker.test HTTP/1.1CRLFHost: tCRLFCRLF      | -                        | HTTP/1.1 200
            """)
    void hostileClientsAreAnsweredOrClosedAndNeverHeldPastTheDeadline(String scenario, String sent, String trickled,
                                                                       String answer) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), hostile.base().getPort())) {
            socket.setSoTimeout(60_000); // a guard against a hang, far past the deadline
            socket.getOutputStream().write(raw(sent));
            Thread trickle = Thread.ofVirtual().start(() -> {
                try {
                    for (byte b : trickled == null ? new byte[0] : raw(trickled)) {
                        Thread.sleep(200);
                        socket.getOutputStream().write(b);
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection, as it should
                }
            });
            String received = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            trickle.join();
            if (answer == null) {
                assertEquals("", received);
            } else {
                assertTrue(received.startsWith(answer), received);
            }
        }
    }

    /** Many connections stalled in their headers do not stop a normal request; each is closed at its deadline. */
    @Test
    void twoThousandSlowConnectionsDoNotStopANormalRequest() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try (ServeProcess serve = ServeProcess.start("--header-timeout-ms", "10000")) {
            for (int i = 0; i < 2_000; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), serve.base().getPort());
                s.setSoTimeout(60_000);
                s.getOutputStream().write(raw("GET /v1/check?address=a%40good.checker.test HTTP/1.1CRLFHost: tCRLFX-Slow: a"));
                slow.add(s);
            }
            HttpResponse<String> normal = HttpClient.newHttpClient().send(HttpRequest.newBuilder(serve.resolve(
                    "/v1/check?address=ann%40good.checker.test")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, normal.statusCode(), normal.body());
            assertEquals("deliverable", new ObjectMapper().readTree(normal.body()).get("verdict").asText());
            for (Socket s : slow) {
                assertEquals(-1, s.getInputStream().read(), "closed by the server, without an answer");
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    /**
     * A list posted as a job goes through serve's job workflow: in one piece, or cut (small, here) into chunks
     * that the server's queue checks and the last one done completes. Every result comes back once, in input
     * order, and the job's counts are those of its results.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                | inline max | per chunk | chunks
            checked in one piece      | 100        | 2         | 0
            checked in four chunks    | 1          | 2         | 4
            """)
    void aJobIsCheckedInChunksAndItsResultsComeBackInInputOrder(String scenario, int inlineMax, int perChunk,
                                                               int chunks) throws Exception {
        List<String> lines = List.of("a@good.checker.test", "b@nullmx.checker.test", "not an address",
                "c@absent.checker.test", "d@good.checker.test", "e@implicit-a.checker.test", "f@good.checker.test");
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newHttpClient();
        try (ServeProcess serve = ServeProcess.start("--inline-max-records", Integer.toString(inlineMax),
                "--chunk-records", Integer.toString(perChunk))) {
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(serve.resolve("/v1/jobs"))
                    .header("content-type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(String.join("\n", lines)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, accepted.statusCode(), accepted.body());
            String id = json.readTree(accepted.body()).get("id").asText();
            JsonNode job;
            long deadline = System.nanoTime() + 60_000_000_000L; // a guard against a hang, not a timing
            do {
                Thread.sleep(50);
                job = json.readTree(http.send(HttpRequest.newBuilder(serve.resolve("/v1/jobs/" + id)).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
            } while (List.of("queued", "running").contains(job.get("status").asText()) && System.nanoTime() < deadline);
            assertEquals(List.of("done", (long) lines.size(), chunks),
                    List.of(job.get("status").asText(), job.get("total").asLong(), job.path("chunks").asInt()),
                    job::toString);

            List<String> addresses = new ArrayList<>();
            Map<String, Integer> verdicts = new TreeMap<>();
            JsonNode page = json.readTree(http.send(HttpRequest.newBuilder(serve.resolve("/v1/jobs/" + id + "/results"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode r : page.get("results")) {
                addresses.add(r.get("address").asText());
                verdicts.merge(r.get("verdict").asText(), 1, Integer::sum);
            }
            assertEquals(lines, addresses, "every result once, in input order");
            Map<String, Integer> counted = new TreeMap<>();
            job.get("counts").fields().forEachRemaining(e -> {
                if (e.getValue().asInt() > 0) {
                    counted.put(e.getKey(), e.getValue().asInt());
                }
            });
            assertEquals(verdicts, counted, job::toString);
        }
    }

    @Test
    void aPortInUseIsOneLineAndExitCode2() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ServeProcess.Ended ended = ServeProcess.runToExit("--port", Integer.toString(taken.getLocalPort()));
            assertEquals(2, ended.exitCode(), ended.stderr());
            assertTrue(ended.stderr().lines().anyMatch(("checker serve: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use")::equals), ended.stderr());
            assertFalse(ended.stderr().contains("\tat ") || ended.stderr().contains("Exception"), ended.stderr());
        }
    }

    private static byte[] raw(String spec) {
        Matcher m = Pattern.compile("(.)\\{(\\d+)}").matcher(spec.replace("CRLF", "\r\n"));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1).repeat(Integer.parseInt(m.group(2)))));
        }
        return m.appendTail(out).toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
