package dev.mailcheck.testbed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

/**
 * A fault-injecting proxy in front of moto for what moto never does on its own: DynamoDB throttling
 * BatchWriteItem, and a reply lost after the write took place. The first {@code faults} batches are either half
 * written, the other half coming back as UnprocessedItems, or refused whole with
 * ProvisionedThroughputExceededException; or ({@link #lostReplies}) the first matching requests are done by moto and
 * answered 500 (as a timeout after the commit looks to the SDK, which sends them again).
 */
public final class DynamoFaultProxy implements AutoCloseable {

    public enum Fault { UNPROCESSED_ITEMS, THROTTLED, LOST_REPLY }

    private static final Set<String> HOP_BY_HOP = Set.of("host", "content-length", "connection", "expect",
            "transfer-encoding", "upgrade", "keep-alive");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final URI target;
    private final AtomicInteger faultsLeft;
    private final AtomicInteger injected = new AtomicInteger();
    private final Fault fault;
    /** Which requests the faults are for: the operation (X-Amz-Target) and the body. */
    private final BiPredicate<String, String> matches;

    public DynamoFaultProxy(URI target, int faults) {
        this(target, faults, Fault.UNPROCESSED_ITEMS);
    }

    public DynamoFaultProxy(URI target, int faults, Fault fault) {
        this(target, faults, fault, (op, body) -> op.endsWith(".BatchWriteItem"));
    }

    /** The first {@code faults} requests that {@code matches} (operation, body) done, their replies lost. */
    public static DynamoFaultProxy lostReplies(URI target, int faults, BiPredicate<String, String> matches) {
        return new DynamoFaultProxy(target, faults, Fault.LOST_REPLY, matches);
    }

    private DynamoFaultProxy(URI target, int faults, Fault fault, BiPredicate<String, String> matches) {
        this.target = target;
        this.fault = fault;
        this.matches = matches;
        this.faultsLeft = new AtomicInteger(faults);
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** How many batches were answered with a fault. */
    public int injected() {
        return injected.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String op = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        ArrayNode unprocessed = null;
        String table = null;
        boolean faulty = op != null && matches.test(op, new String(body, java.nio.charset.StandardCharsets.UTF_8))
                && faultsLeft.getAndDecrement() > 0;
        if (faulty && fault == Fault.THROTTLED) {
            injected.incrementAndGet();
            byte[] refusal = JSON.writeValueAsBytes(Map.of("__type",
                    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "message", "The level of configured provisioned throughput for the table was exceeded."));
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.getResponseHeaders().add("x-amzn-ErrorType", "ProvisionedThroughputExceededException");
            exchange.sendResponseHeaders(400, refusal.length);
            exchange.getResponseBody().write(refusal);
            exchange.close();
            return;
        }
        if (faulty && fault == Fault.UNPROCESSED_ITEMS) {
            ObjectNode request = (ObjectNode) JSON.readTree(body);
            ObjectNode items = (ObjectNode) request.get("RequestItems");
            table = items.fieldNames().next();
            ArrayNode all = (ArrayNode) items.get(table);
            ArrayNode kept = JSON.createArrayNode();
            unprocessed = JSON.createArrayNode();
            for (int i = 0; i < all.size(); i++) {
                (i < (all.size() + 1) / 2 ? kept : unprocessed).add(all.get(i));
            }
            items.set(table, kept);
            body = JSON.writeValueAsBytes(request);
        }
        HttpRequest.Builder forward = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI()))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, java.util.List<String>> h : exchange.getRequestHeaders().entrySet()) {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                h.getValue().forEach(v -> forward.header(h.getKey(), v));
            }
        }
        HttpResponse<byte[]> response;
        try {
            response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (faulty && fault == Fault.LOST_REPLY) {
            injected.incrementAndGet();
            byte[] lost = JSON.writeValueAsBytes(Map.of("__type",
                    "com.amazonaws.dynamodb.v20120810#InternalServerError", "message", "the reply was lost"));
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(500, lost.length);
            exchange.getResponseBody().write(lost);
            exchange.close();
            return;
        }
        byte[] out = response.body();
        boolean rewritten = unprocessed != null && response.statusCode() == 200 && !unprocessed.isEmpty();
        if (rewritten) {
            ObjectNode reply = (ObjectNode) JSON.readTree(out);
            ObjectNode left = JSON.createObjectNode();
            left.set(table, unprocessed);
            reply.set("UnprocessedItems", left);
            out = JSON.writeValueAsBytes(reply);
            injected.incrementAndGet();
        }
        for (Map.Entry<String, java.util.List<String>> h : response.headers().map().entrySet()) {
            String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
            // A rewritten body no longer matches the CRC32 that DynamoDB (and moto) send with it.
            if (!HOP_BY_HOP.contains(name) && !name.equals(":status") && !(rewritten && name.equals("x-amz-crc32"))) {
                h.getValue().forEach(v -> exchange.getResponseHeaders().add(h.getKey(), v));
            }
        }
        exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            exchange.getResponseBody().write(out);
        }
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
