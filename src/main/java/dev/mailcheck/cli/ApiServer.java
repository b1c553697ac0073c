package dev.mailcheck.cli;

import dev.mailcheck.api.Api;
import dev.mailcheck.lists.InputRecords;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The API over HTTP/1.1 on Vert.x (Netty's codec): Vert.x limits the request line, the header block and
 * chunk sizes, answers malformed requests with 400 and closes idle connections. What it lacks is a deadline
 * for a request that trickles in: its idle timer watches decoded messages, so a stalled header block is
 * closed only after the whole idle time (measured: 60 s) and every chunk of a body trickling in resets it.
 * So each connection here gets deadlines: the request line and headers must arrive within {@code headers}
 * of the connection or the previous response, the body within {@code body} of the headers, or the
 * connection is closed (408 where a request was under way). The API itself blocks (DNS, SMTP, the store), so it runs
 * on virtual threads, never on the event loop.
 */
final class ApiServer implements AutoCloseable {

    /** @param idle a connection that neither sends nor reads for this long is closed */
    record Deadlines(Duration headers, Duration body, Duration idle) {
    }

    /** The longest request line; a path with a query of the longest address fits many times over. */
    private static final int MAX_REQUEST_LINE = 16 * 1024;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    /** One byte past the largest body any route takes is enough for the API to answer 413. */
    static final int MAX_BODY = Api.MAX_JOB_BODY_BYTES + 1;

    private final Vertx vertx;
    private final HttpServer server;
    private final Api api;
    private final Deadlines deadlines;
    /** The per-client limit on the check routes, or null for none. */
    private final ClientRate clientRate;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    /** Per open connection, the timer that closes it if the next request's headers are not in by then. */
    private final Map<HttpConnection, Long> headerTimers = new ConcurrentHashMap<>();
    /**
     * Bytes of request bodies held at once, from their arrival until their answer is sent: Vert.x bounds no total,
     * and 100 uploads of 5 MiB at once ended serve with OutOfMemoryError under the launcher's -Xmx384m.
     */
    private final Semaphore bodyBytes;
    private final int bodyMemory;

    private ApiServer(Vertx vertx, HttpServer server, Api api, Deadlines deadlines, ClientRate clientRate,
                      int bodyMemory) {
        this.bodyBytes = new Semaphore(bodyMemory);
        this.bodyMemory = bodyMemory;
        this.clientRate = clientRate;
        this.vertx = vertx;
        this.server = server;
        this.api = api;
        this.deadlines = deadlines;
    }

    /**
     * Listens on {@code bind:port} (0 for a free port).
     *
     * @param clientRate the per-client limit on the check routes, or null for none
     * @param bodyMemory the bytes of request bodies held at once, at least {@link #MAX_BODY}
     * @throws java.net.BindException when the address is in use or not this machine's
     */
    static ApiServer start(Api api, String bind, int port, Deadlines deadlines, ClientRate clientRate,
                           int bodyMemory) throws Exception {
        if (bodyMemory < MAX_BODY) {
            throw new IllegalArgumentException("the memory for request bodies must hold one of " + MAX_BODY + " bytes");
        }
        // One event loop is plenty for a server whose work runs on virtual threads; Vert.x's own DNS resolver
        // is never asked (the bind address is a literal or in /etc/hosts).
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(false));
        HttpServer http = vertx.createHttpServer(new HttpServerOptions().setHost(bind).setPort(port)
                .setAcceptBacklog(1024).setHttp2ClearTextEnabled(false)
                .setMaxInitialLineLength(MAX_REQUEST_LINE).setMaxHeaderSize(MAX_HEADER_BYTES)
                .setIdleTimeout((int) deadlines.idle().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
        ApiServer server = new ApiServer(vertx, http, api, deadlines, clientRate, bodyMemory);
        http.connectionHandler(server::opened).requestHandler(server::request);
        try {
            http.listen().toCompletionStage().toCompletableFuture().join();
        } catch (CompletionException e) {
            vertx.close();
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return server;
    }

    int port() {
        return server.actualPort();
    }

    private void opened(HttpConnection connection) {
        awaitHeaders(connection);
        connection.closeHandler(v -> {
            Long timer = headerTimers.remove(connection);
            if (timer != null) {
                vertx.cancelTimer(timer);
            }
        });
    }

    private void awaitHeaders(HttpConnection connection) {
        long timer = vertx.setTimer(deadlines.headers().toMillis(), id -> {
            if (headerTimers.remove(connection, id)) {
                connection.close();
            }
        });
        Long earlier = headerTimers.put(connection, timer);
        if (earlier != null) {
            vertx.cancelTimer(earlier);
        }
    }

    private void request(HttpServerRequest request) {
        HttpConnection connection = request.connection();
        Long timer = headerTimers.remove(connection);
        if (timer != null) {
            vertx.cancelTimer(timer);
        }
        HttpServerResponse response = request.response();
        // RFC 9112 §6.1, §6.3: a body whose length is neither Content-Length nor "chunked" cannot be read
        // reliably: 400, and the connection closes. Netty refuses "chunked" beside a Content-Length itself, but
        // reads "xchunked" with a Content-Length by the length (a request-smuggling gap behind a proxy that
        // reads it otherwise).
        String transfer = String.join(",", request.headers().getAll("transfer-encoding"));
        if (!transfer.isEmpty() && !transfer.strip().equalsIgnoreCase("chunked")) {
            refuse(response, 400, "Transfer-Encoding \"" + transfer + "\" is not understood here: send the body with"
                    + " Content-Length, or chunked alone");
            return;
        }
        // A declared length is reserved before any of the body is read, so that an upload refused for memory is
        // refused before it is sent; a chunked body reserves as it comes.
        String length = request.getHeader("content-length");
        int declared = length == null || !transfer.isEmpty() ? 0 : (int) Math.min(MAX_BODY, Long.parseLong(length));
        int[] held = {0};
        Runnable release = () -> {
            bodyBytes.release(held[0]);
            held[0] = 0;
        };
        // A client that leaves before its answer has its SMTP probes given up: they cost the prober's IP address its
        // reputation, for nobody. Completed off the event loop, which the checks' own completions would hold.
        CompletableFuture<Void> gone = new CompletableFuture<>();
        response.closeHandler(v -> {
            release.run();
            Thread.ofVirtual().start(() -> gone.complete(null));
        });
        response.endHandler(v -> {
            release.run();
            if (!response.closed()) {
                awaitHeaders(connection);
            }
        });
        if (!reserve(held, declared)) {
            memoryFull(response);
            return;
        }
        // Only now, with the room reserved: a client that waits for it (curl, for bodies over 1 MiB) sends nothing
        // before, and otherwise waits a second for it in vain.
        if ("100-continue".equalsIgnoreCase(request.getHeader("expect"))) {
            response.writeContinue();
        }
        Context context = Vertx.currentContext();
        Buffer body = Buffer.buffer(Math.max(declared, 256));
        boolean[] finished = {false};
        long bodyTimer = vertx.setTimer(deadlines.body().toMillis(), id -> {
            if (!finished[0]) {
                finished[0] = true;
                refuse(response, 408, "the request body did not arrive within " + deadlines.body().toSeconds() + " s");
            }
        });
        request.exceptionHandler(e -> {
            if (!finished[0]) {
                finished[0] = true;
                vertx.cancelTimer(bodyTimer);
                refuse(response, 400, "the request could not be read: " + e.getMessage());
                // Vert.x 4 closes the connection as soon as this handler returns (a malformed chunk fails the
                // decoder), dropping what was written but not flushed: flush the 400 first. Its own API has no
                // flush, hence the cast to its connection class.
                if (connection instanceof ConnectionBase base) {
                    base.channel().flush();
                }
            }
        });
        request.handler(chunk -> {
            if (finished[0]) {
                return;
            }
            // Past MAX_BODY the rest is never read, and the connection closes after the answer.
            int room = MAX_BODY - body.length();
            Buffer piece = chunk.length() > room ? chunk.getBuffer(0, room) : chunk;
            if (!reserve(held, body.length() + piece.length())) {
                finished[0] = true;
                vertx.cancelTimer(bodyTimer);
                memoryFull(response);
                return;
            }
            body.appendBuffer(piece);
            if (body.length() > Api.MAX_JOB_BODY_BYTES) {
                finished[0] = true;
                vertx.cancelTimer(bodyTimer);
                request.pause();
                handle(request, body, context, true, gone);
            }
        });
        request.endHandler(v -> {
            if (!finished[0]) {
                finished[0] = true;
                vertx.cancelTimer(bodyTimer);
                handle(request, body, context, false, gone);
            }
        });
    }

    /** The caller as the API sees it: its limit (none without a ClientRate or a client) and whether it has left. */
    private record Connected(ClientRate rate, String client, CompletableFuture<Void> gone) implements Api.Caller {

        @Override
        public Optional<Duration> take(long checks) {
            return client == null ? Optional.empty() : rate.take(client, checks);
        }
    }

    private void handle(HttpServerRequest request, Buffer body, Context context, boolean close,
                        CompletableFuture<Void> gone) {
        Map<String, String> headers = new HashMap<>();
        request.headers().forEach((k, v) -> headers.merge(k.toLowerCase(Locale.ROOT), v, (a, b) -> a + "," + b));
        Map<String, String> query;
        try {
            query = query(request.query());
        } catch (IllegalArgumentException e) {
            // A broken %-escape (?address=%zz): thrown here on the event loop, it used to leave the request unanswered.
            refuse(request.response(), 400, "the query string is not valid percent-encoding");
            return;
        }
        String encoding = headers.get("content-encoding");
        // The routes that check addresses (DNS work, a probe) are what a client can run up; a page's script
        // asks them once per address typed. Each address is charged once the route has read how many it asks
        // for; a client already out of checks is refused before its body is even parsed.
        String client = clientRate != null && request.path().startsWith("/v1/check")
                && !request.method().name().equals("OPTIONS") && request.remoteAddress() != null
                ? request.remoteAddress().hostAddress() : null;
        Optional<Duration> over = client == null ? Optional.empty() : clientRate.waitFor(client);
        handlers.execute(() -> {
            Api.Response r;
            boolean closing = close;
            try {
                r = over.isPresent()
                        ? api.tooManyRequests(new Api.Request(request.method().name(), request.path(), query, headers,
                                ""), over.get())
                        : api.handle(new Api.Request(request.method().name(), request.path(), query, headers,
                                text(body, encoding)), new Connected(clientRate, client, gone));
            } catch (Refusal e) {
                r = new Api.Response(e.status, Map.of("content-type", "application/json"), Api.errorBody(e.getMessage()));
                closing = true;
            }
            Api.Response answer = r;
            boolean closes = closing;
            context.runOnContext(v -> send(request.response(), answer.status(), answer.headers(),
                    Buffer.buffer(answer.bytes()), closes));
        });
    }

    /** Makes {@code held} (this request's reservation) at least {@code bytes}: false when the bodies' memory is full. */
    private boolean reserve(int[] held, int bytes) {
        if (bytes <= held[0]) {
            return true;
        }
        if (!bodyBytes.tryAcquire(bytes - held[0])) {
            return false;
        }
        held[0] = bytes;
        return true;
    }

    private void memoryFull(HttpServerResponse response) {
        send(response, 503, Map.of("content-type", "application/json", "retry-after", "5"), Buffer.buffer(
                Api.errorBody("the server holds as many request bodies as its memory for them allows (" + bodyMemory
                        + " bytes, serve --body-memory-mb); try again after Retry-After")), true);
    }

    /**
     * The body as text, read as an uploaded list is ({@link InputRecords#reader}): gzip unpacked whether
     * declared ({@code Content-Encoding: gzip}) or not, UTF-16 by its byte-order mark, else UTF-8. What it
     * unpacks to is bounded as a plain body is, so a small gzip bomb costs no more than the largest body.
     */
    private static String text(Buffer body, String encoding) throws Refusal {
        String coding = encoding == null ? "identity" : encoding.strip().toLowerCase(Locale.ROOT);
        if (!List.of("identity", "gzip", "x-gzip").contains(coding)) {
            throw new Refusal(415, "Content-Encoding \"" + encoding + "\" is not supported here: send the body as it"
                    + " is, or gzip");
        }
        if (body.length() > Api.MAX_JOB_BODY_BYTES) {
            return body.toString(StandardCharsets.UTF_8); // cut at the limit: the API answers 413 for its size
        }
        char[] buffer = new char[1 << 16];
        StringBuilder text = new StringBuilder();
        try (Reader in = InputRecords.reader(new ByteArrayInputStream(body.getBytes()))) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                text.append(buffer, 0, n);
                if (text.length() > Api.MAX_JOB_BODY_BYTES) {
                    throw new Refusal(413, "the body unpacks to more than " + Api.MAX_JOB_BODY_BYTES + " characters");
                }
            }
        } catch (IOException e) {
            throw new Refusal(400, "the gzip body cannot be unpacked: " + e.getMessage());
        }
        return text.toString();
    }

    /** A request this server answers itself, before the API sees it; the connection closes after the answer. */
    private static final class Refusal extends Exception {
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static void refuse(HttpServerResponse response, int status, String message) {
        send(response, status, Map.of("content-type", "application/json"),
                Buffer.buffer(Api.errorBody(message)), true);
    }

    private static void send(HttpServerResponse response, int status, Map<String, String> headers, Buffer body,
                             boolean close) {
        if (response.closed() || response.ended()) {
            return; // the client has gone
        }
        response.setStatusCode(status);
        headers.forEach(response::putHeader);
        if (close) {
            response.putHeader("connection", "close");
        }
        response.end(body);
        if (close) {
            response.close();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                q.merge(k, v, (a, b) -> a + "," + b);
            }
        }
        return q;
    }

    @Override
    public void close() {
        server.close().toCompletionStage().toCompletableFuture().join();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        handlers.close();
    }
}
