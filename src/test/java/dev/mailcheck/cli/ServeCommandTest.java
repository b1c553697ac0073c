package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.aws.DynamoResultStore;
import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.ServeProcess;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** `checker serve` as a process, over real HTTP on loopback. */
class ServeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

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

    /**
     * The limit counts addresses, not requests: at 3 a minute (one per 20 s), a batch of 10 is served from the full
     * bucket and leaves the client 7 in debt, which its next requests wait out (Retry-After: the 8 checks' time to
     * its next one, 160 s). A request refused before it checks anything costs nothing. Before, every request cost
     * one, whatever it asked: a batch of 1,000 cost as much as one check.
     */
    @Test
    void eachAddressCountsAndABatchsDebtDelaysTheClient() throws Exception {
        String batch = JSON.writeValueAsString(Map.of("addresses",
                IntStream.range(0, 10).mapToObj(i -> "b" + i + "@good.checker.test").toList()));
        record Step(String what, HttpRequest.Builder request, int status) {
        }
        try (ServeProcess serve = ServeProcess.start("--client-rate", "3")) {
            List<Step> steps = List.of(
                    new Step("a batch refused for its shape", HttpRequest.newBuilder(serve.resolve("/v1/checks"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"addresses\": 7}")), 400),
                    new Step("10 addresses from a bucket of 3", HttpRequest.newBuilder(serve.resolve("/v1/checks"))
                            .POST(HttpRequest.BodyPublishers.ofString(batch)), 200),
                    new Step("one more, in debt", HttpRequest.newBuilder(serve.resolve(
                            "/v1/check?address=c%40good.checker.test")), 429),
                    new Step("a batch of one, in debt", HttpRequest.newBuilder(serve.resolve("/v1/checks"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"addresses\": [\"d@good.checker.test\"]}")), 429));
            List<String> got = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            HttpResponse<String> last = null;
            for (Step step : steps) {
                last = HTTP.send(step.request().build(), HttpResponse.BodyHandlers.ofString());
                got.add(step.what() + ": " + last.statusCode());
                expected.add(step.what() + ": " + step.status());
            }
            assertEquals(expected, got);
            long retry = Long.parseLong(last.headers().firstValue("retry-after").orElseThrow());
            assertTrue(retry > 100 && retry <= 160, "retry-after " + retry);
        }
    }

    /**
     * Forty clients each start a 5 MiB upload at once, in a serve with a 128 MiB heap (so 8 MiB for bodies). Before,
     * every body was read into memory, whatever the total: serve ran out of heap and exited (measured: 100 such
     * uploads ended it under the launcher's -Xmx384m). Now the one that fits is read; the others are answered 503
     * with Retry-After before their bodies are sent; a check is still answered, and the memory comes back when the
     * held upload's connection closes.
     */
    @Test
    void uploadsBeyondTheMemoryForBodiesAreRefusedWith503() throws Exception {
        int size = 5 * 1024 * 1024;
        try (ServeProcess serve = ServeProcess.start(Map.of("JAVA_TOOL_OPTIONS", "-Xmx128m"))) {
            List<Socket> uploads = new ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), serve.base().getPort());
                    s.setSoTimeout(60_000);
                    s.getOutputStream().write(("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                            + "Content-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    uploads.add(s);
                }
                Thread.sleep(1_000); // a refusal comes before the body: let them arrive
                Map<String, Integer> answers = new TreeMap<>();
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'a');
                for (Socket s : uploads) {
                    if (s.getInputStream().available() > 0) {
                        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                        answers.merge(answer.lines().findFirst().orElse("") + (answer.toLowerCase(Locale.ROOT)
                                .contains("\r\nretry-after: 5\r\n") ? ", Retry-After: 5" : ""), 1, Integer::sum);
                        continue;
                    }
                    try {
                        for (int sent = 0; sent < size - 1; sent += chunk.length) {
                            s.getOutputStream().write(chunk, 0, Math.min(chunk.length, size - 1 - sent));
                        }
                        answers.merge("body sent, held", 1, Integer::sum);
                    } catch (IOException e) {
                        answers.merge("body cut off: " + e.getMessage(), 1, Integer::sum);
                    }
                }
                HttpResponse<String> check = HTTP.send(HttpRequest.newBuilder(serve.resolve(
                        "/v1/check?address=a%40good.checker.test")).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, check.statusCode());
                assertEquals(Map.of("HTTP/1.1 503 Service Unavailable, Retry-After: 5", 39, "body sent, held", 1),
                        answers);
            } finally {
                for (Socket s : uploads) {
                    s.close();
                }
            }
            // The held upload's memory is free again once its connection is gone; a client that waits for the room
            // (Expect: 100-continue) is told to send once it is reserved.
            String answer = "";
            for (Instant end = Instant.now().plusSeconds(10); !answer.startsWith("HTTP/1.1 202")
                    && Instant.now().isBefore(end); ) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), serve.base().getPort())) {
                    s.setSoTimeout(30_000);
                    s.getOutputStream().write(("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                            + "Expect: 100-continue\r\nContent-Length: " + size + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    String interim = new String(s.getInputStream().readNBytes(25), StandardCharsets.US_ASCII);
                    if (!interim.equals("HTTP/1.1 100 Continue\r\n\r\n")) {
                        answer = interim;
                        continue; // 503 while the held upload's memory was not freed yet
                    }
                    s.getOutputStream().write(new byte[size]);
                    answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                }
            }
            assertEquals("HTTP/1.1 202", answer);
        }
    }

    /**
     * A client posts 40 addresses to probe, at a mail server that takes 300 ms per RCPT (a tarpit: the in-process
     * fake, as Postfix cannot be made slow on demand), and leaves once the first RCPT is in. Before, serve went on
     * asking for nobody: every address, each RCPT spending the prober's reputation. Now its probes are given up:
     * at most the RCPT under way when the connection closed, and one sent before the close was seen.
     */
    @Test
    void aClientThatLeavesHasItsSmtpProbesGivenUp() throws Exception {
        AtomicInteger ended = new AtomicInteger();
        CountDownLatch firstRcpt = new CountDownLatch(1);
        try (FakeSmtpServer tarpit = new FakeSmtpServer(c -> {
            try {
                c.send("220 fake.test ESMTP\r\n");
                c.serve(verb -> {
                    if (verb.equals("RCPT")) {
                        firstRcpt.countDown();
                        try {
                            Thread.sleep(300);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return FakeSmtpServer.ordinary(verb);
                });
            } finally {
                ended.incrementAndGet();
            }
        });
             ServeProcess serve = ServeProcess.start("--smtp", "--smtp-port", Integer.toString(tarpit.port()),
                     "--helo", "prober.checker.test", "--client-rate", "0")) {
            String body = JSON.writeValueAsString(Map.of("smtp", true, "addresses",
                    IntStream.range(0, 40).mapToObj(i -> "gone" + i + "@strict.smtp.test").toList()));
            int rcptsAtClose;
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), serve.base().getPort())) {
                client.getOutputStream().write(("POST /v1/checks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                assertTrue(firstRcpt.await(30, TimeUnit.SECONDS), "the probe reached the server");
                rcptsAtClose = rcpts(tarpit);
            }
            // Every session ends (QUIT, or closed) once nobody waits; a minute at most (25 s is the request's own limit).
            for (Instant end = Instant.now().plusSeconds(60); Instant.now().isBefore(end)
                    && (ended.get() < tarpit.connections() || tarpit.connections() == 0); ) {
                Thread.sleep(100);
            }
            assertEquals(tarpit.connections(), ended.get(), "every session ended");
            int after = rcpts(tarpit) - rcptsAtClose;
            assertTrue(after <= 2, after + " RCPTs after the client left: " + tarpit.received());
        }
    }

    private static int rcpts(FakeSmtpServer server) {
        return (int) server.received().stream().filter(l -> l.toUpperCase(Locale.ROOT).startsWith("RCPT")).count();
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
     * deadline (1.5 s here). {@code a{N}} stands for N times {@code a}, CRLF for a line end. A body whose
     * length is not Content-Length or "chunked" alone is refused (RFC 9112 §6.1, §6.3: before, "xchunked" with a
     * Content-Length was read by the length), and so is "chunked" beside a Content-Length; both close the connection.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # scenario                                   | sent at once                                                                | then a byte every 200 ms | answer | closes at once
            headers arriving a byte every 200 ms         | GET /v1/check?address=a%40good.checker.test HTTP/1.1CRLFHost: tCRLF          | X-Slow: a{1000}          | - | -
            headers started, then silence                | GET /v1/check?address=a%40good.checker.test HTTP/1.1CRLFHost: tCRLF          | -                        | - | -
            a body arriving a byte every 200 ms          | POST /v1/checks HTTP/1.1CRLFHost: tCRLFContent-Length: 5000CRLFCRLF{        | a{1000}                  | HTTP/1.1 408 | -
            a malformed chunk size                       | POST /v1/checks HTTP/1.1CRLFHost: tCRLFTransfer-Encoding: chunkedCRLFCRLFzzCRLFabcCRLF0CRLFCRLF | - | HTTP/1.1 400 | -
            a header block over 16 KiB                   | GET /v1/check HTTP/1.1CRLFHost: tCRLFX-Big: a{20000}CRLFCRLF                  | -                        | HTTP/1.1 431 | -
            a request line over 16 KiB                   | GET /v1/check?a{20000} HTTP/1.1CRLFHost: tCRLFCRLF                           | -                        | HTTP/1.0 414 | -
            a broken percent-escape in the query         | GET /v1/check?address=%zz HTTP/1.1CRLFHost: tCRLFCRLF                        | -                        | HTTP/1.1 400 | -
            a kept-alive connection with nothing more    | GET /v1/check?address=a%40good.checker.test HTTP/1.1CRLFHost: tCRLFCRLF      | -                        | HTTP/1.1 200 | false
            Transfer-Encoding: xchunked, Content-Length | POST /v1/checks HTTP/1.1CRLFHost: tCRLFTransfer-Encoding: xchunkedCRLFContent-Length: 17CRLFCRLF{"addresses": []} | - | HTTP/1.1 400 | true
            Transfer-Encoding: xchunked alone           | POST /v1/checks HTTP/1.1CRLFHost: tCRLFTransfer-Encoding: xchunkedCRLFCRLF{"addresses": []} | - | HTTP/1.1 400 | true
            Transfer-Encoding: gzip, chunked            | POST /v1/checks HTTP/1.1CRLFHost: tCRLFTransfer-Encoding: gzip, chunkedCRLFCRLF11CRLF{"addresses": []}CRLF0CRLFCRLF | - | HTTP/1.1 400 | true
            Transfer-Encoding: chunked, Content-Length  | POST /v1/checks HTTP/1.1CRLFHost: tCRLFTransfer-Encoding: chunkedCRLFContent-Length: 5CRLFCRLF11CRLF{"addresses": []}CRLF0CRLFCRLF | - | HTTP/1.1 400 | true
            Transfer-Encoding: chunked alone            | POST /v1/checks HTTP/1.1CRLFHost: tCRLFTransfer-Encoding: chunkedCRLFCRLF11CRLF{"addresses": []}CRLF0CRLFCRLF | - | HTTP/1.1 200 | false
            """)
    void hostileClientsAreAnsweredOrClosedAndNeverHeldPastTheDeadline(String scenario, String sent, String trickled,
                                                                       String answer, Boolean closes) throws Exception {
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
            long start = System.nanoTime();
            String received = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            trickle.join();
            if (answer == null) {
                assertEquals("", received);
            } else {
                assertTrue(received.startsWith(answer), received);
            }
            if (closes != null) {
                // At once: well before the 1.5 s deadline that closes a kept-alive connection left idle.
                assertEquals(closes, System.nanoTime() - start < 1_000_000_000L, received);
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

    /**
     * {@code serve} restarted on its data directory, after a stop or a {@code kill -9}: a finished job answers
     * as before, with its results; a job under way at the kill ends {@code failed}, saying the server stopped.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                     | kill -9
            stopped (SIGTERM), restarted   | false
            killed (SIGKILL), restarted    | true
            """)
    void jobsOutliveARestartAndOneCutOffEndsFailed(String scenario, boolean kill, @TempDir Path data) throws Exception {
        String dir = data.toString();
        String finished;
        String cutOff = null;
        JsonNode before;
        String resultsBefore;
        ServeProcess serve = ServeProcess.start("--data-dir", dir);
        try {
            finished = post(serve, "a@good.checker.test\nb@nullmx.checker.test\nnot an address\n");
            before = awaitEnd(serve, finished);
            resultsBefore = get(serve, "/v1/jobs/" + finished + "/results").body();
            if (kill) {
                // Distinct domains, each a lookup of its own: far longer to check than the kill takes.
                StringBuilder list = new StringBuilder();
                for (int i = 0; i < 200_000; i++) {
                    list.append("u@d").append(i).append(".checker.test\n");
                }
                cutOff = post(serve, list.toString());
                long deadline = System.nanoTime() + 60_000_000_000L; // a guard against a hang, not a timing
                while (!JSON.readTree(get(serve, "/v1/jobs/" + cutOff).body()).get("status").asText().equals("running")
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                serve.kill();
            }
        } finally {
            serve.close();
        }
        try (ServeProcess again = ServeProcess.start("--data-dir", dir)) {
            HttpResponse<String> job = get(again, "/v1/jobs/" + finished);
            assertEquals(200, job.statusCode(), job.body());
            assertEquals(before, JSON.readTree(job.body()));
            assertEquals(resultsBefore, get(again, "/v1/jobs/" + finished + "/results").body());
            if (cutOff != null) {
                JsonNode failed = JSON.readTree(get(again, "/v1/jobs/" + cutOff).body());
                assertEquals(List.of("failed", "the server stopped before this job ended"),
                        List.of(failed.get("status").asText(), failed.get("error").asText()), failed::toString);
                JsonNode page = JSON.readTree(get(again, "/v1/jobs/" + cutOff + "/results").body());
                assertEquals(Math.min(100, failed.get("total").asLong()), page.get("results").size(), failed::toString);
            }
        }
    }

    /**
     * A job removed to make room for a later, larger one answers 410 with when and why, also after a restart;
     * an id never seen stays 404. Before: both answered {@code 404 no job}.
     */
    @Test
    void aJobRemovedForALargerOneAnswers410AndAnUnknownOne404(@TempDir Path data) throws Exception {
        String[] options = {"--data-dir", data.toString(), "--kept-jobs", "2", "--kept-results", "10"};
        String small;
        try (ServeProcess serve = ServeProcess.start(options)) {
            small = post(serve, "a@good.checker.test\nb@good.checker.test\n");
            awaitEnd(serve, small);
            StringBuilder large = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                large.append("u").append(i).append("@good.checker.test\n");
            }
            awaitEnd(serve, post(serve, large.toString()));
            assertGone(serve, small);
        }
        try (ServeProcess again = ServeProcess.start(options)) {
            assertGone(again, small);
            assertEquals(404, get(again, "/v1/jobs/local-00000000-0000-0000-0000-000000000000").statusCode());
        }
    }

    private static void assertGone(ServeProcess serve, String id) throws Exception {
        for (String path : List.of("/v1/jobs/" + id, "/v1/jobs/" + id + "/results")) {
            HttpResponse<String> gone = get(serve, path);
            assertEquals(410, gone.statusCode(), gone.body());
            String error = JSON.readTree(gone.body()).get("error").asText();
            assertTrue(error.matches("job " + id + " was removed at \\d{4}-.*: this server keeps the results of at most 2"
                    + " finished jobs and 10 results in all .*"), error);
        }
    }

    private static String post(ServeProcess serve, String list) throws Exception {
        HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(serve.resolve("/v1/jobs"))
                .header("content-type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(list)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode(), accepted.body());
        return JSON.readTree(accepted.body()).get("id").asText();
    }

    private static HttpResponse<String> get(ServeProcess serve, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(serve.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The job once it has ended; a minute's guard against a hang. */
    private static JsonNode awaitEnd(ServeProcess serve, String id) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JsonNode job;
        do {
            Thread.sleep(50);
            job = JSON.readTree(get(serve, "/v1/jobs/" + id).body());
        } while (List.of("queued", "running").contains(job.get("status").asText()) && System.nanoTime() < deadline);
        return job;
    }

    /**
     * Bodies as clients send them: gzip unpacked whether declared or sent as plain text (before: a 2 MB gzip
     * list became 2 {@code invalid_syntax} records, done), what it unpacks to bounded, codings not understood
     * refused. {@code list} is the two-address list below; {@code bomb} is 100 MB of line ends, gzipped.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # scenario                                     | body     | gzip | content-encoding | status
            a gzip list declared as Content-Encoding: gzip | list     | true | gzip             | 202
            a gzip list sent as text/plain, undeclared     | list     | true | -                | 202
            the list as it is                              | list     | false| -                | 202
            a gzip bomb (100 MB of line ends)              | bomb     | true | gzip             | 413
            a gzip list cut short                          | cut      | true | gzip             | 400
            a coding not understood                        | list     | false| br               | 415
            """)
    void gzipBodiesAreUnpackedWithinTheLimit(String scenario, String body, boolean gzip, String encoding, int status)
            throws Exception {
        List<String> lines = List.of("a@good.checker.test", "b@nullmx.checker.test");
        byte[] text = body.equals("bomb") ? new byte[100 << 20] : String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        if (body.equals("bomb")) {
            Arrays.fill(text, (byte) '\n');
        }
        byte[] sent = gzip ? gzipped(text) : text;
        if (body.equals("cut")) {
            sent = Arrays.copyOf(sent, sent.length - 12);
        }
        HttpRequest.Builder post = HttpRequest.newBuilder(hostile.resolve("/v1/jobs")).header("content-type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofByteArray(sent));
        if (encoding != null) {
            post.header("content-encoding", encoding);
        }
        HttpResponse<String> answer = HTTP.send(post.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, answer.statusCode(), answer.body());
        if (status == 202) {
            String id = JSON.readTree(answer.body()).get("id").asText();
            JsonNode job = awaitEnd(hostile, id);
            assertEquals(List.of("done", 2L), List.of(job.get("status").asText(), job.get("total").asLong()), job::toString);
            List<String> addresses = new ArrayList<>();
            for (JsonNode r : JSON.readTree(get(hostile, "/v1/jobs/" + id + "/results").body()).get("results")) {
                addresses.add(r.get("address").asText());
            }
            assertEquals(lines, addresses);
        }
    }

    private static byte[] gzipped(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }

    /**
     * {@code serve} with DynamoDB keeps results as long as the Lambda functions do: RESULT_RETENTION_DAYS, read
     * in one place (before: 30 days, whatever it said).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                       | RESULT_RETENTION_DAYS | days kept
            not set: the default             | ''                    | 30
            set to 2                         | 2                     | 2
            """)
    void withDynamoDbResultsAreKeptForTheRetentionDays(String scenario, String retention, int days) throws Exception {
        String table = "serve-retention-" + UUID.randomUUID();
        Moto.shared().dynamo().createTable(DynamoResultStore.tableDefinition(table));
        Map<String, String> env = new HashMap<>(Moto.shared().environment());
        env.put("TABLE_NAME", table);
        env.put("RESULT_RETENTION_DAYS", retention);
        try (ServeProcess serve = ServeProcess.start(env)) {
            HttpResponse<String> checked = HTTP.send(HttpRequest.newBuilder(serve.resolve("/v1/checks"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"addresses\": [\"a@good.checker.test\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, checked.statusCode(), checked.body());
            String id = JSON.readTree(checked.body()).get("job_id").asText();
            Map<String, AttributeValue> item = Moto.shared().dynamo().getItem(b -> b.tableName(table).key(Map.of(
                    "pk", AttributeValue.fromS("JOB#" + id), "sk", AttributeValue.fromS("JOB")))).item();
            long expires = Long.parseLong(item.get("expires_at").n());
            long updated = Instant.parse(item.get("updated").s()).getEpochSecond();
            assertEquals(Duration.ofDays(days).toSeconds(), expires - updated, item::toString);
        } finally {
            Moto.shared().dynamo().deleteTable(b -> b.tableName(table));
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

    /** Refused before listening, as `check` refuses them: an unresolvable resolver, a timeout of 0. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --dns nosuchhost.invalid                 | --dns cannot resolve nosuchhost.invalid: names under .invalid never resolve (RFC 6761)
            --dns 127.0.0.1 --smtp --smtp-timeout connect=0 | the connect timeout must be from 1 ms to 10 minutes, not 0 ms
            """)
    void unusableOptionsAreOneLineAndExitCode2(String options, String says) {
        ServeProcess.Ended ended = ServeProcess.runToExit(options.split(" "));
        assertEquals(2, ended.exitCode(), ended.stderr());
        assertTrue(ended.stderr().contains(says), ended.stderr());
        assertFalse(ended.stderr().contains("\tat ") || ended.stderr().contains("Exception"), ended.stderr());
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
