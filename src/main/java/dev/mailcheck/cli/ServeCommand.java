package dev.mailcheck.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mailcheck.api.Api;
import dev.mailcheck.api.InProcessJobs;
import dev.mailcheck.aws.DynamoResultStore;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.dns.TransportSecurityLookup;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.store.InMemoryResultStore;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.verdict.Checker;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the HTTP API on this machine: the same routes and code as the Lambda function.",
                "Results go to DynamoDB when TABLE_NAME is set (AWS_ENDPOINT_URL for a local stand-in), else to memory."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8080", paramLabel = "N", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDR", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "An origin browsers may call from (repeatable; * for any).")
    List<String> corsOrigins = new ArrayList<>();

    @Mixin
    PipelineOptions pipeline;

    @Override
    public Integer call() throws Exception {
        MxResolver dns = pipeline.resolver();
        SmtpSettings smtp = pipeline.smtpSettings();
        String table = System.getenv("TABLE_NAME");
        ResultStore store = table == null || table.isBlank() ? new InMemoryResultStore()
                : DynamoResultStore.fromEnvironment(table, Duration.ofDays(30));
        TransportSecurityLookup security = pipeline.security();
        Checker checker = new Checker(dns, null, security);
        Api api = new Api(checker, smtp == null ? null : Api.smtpChecker(dns, smtp, security), store, new InProcessJobs(checker, store),
                corsOrigins);

        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> serve(api, exchange));
        server.start();
        System.err.println("store: " + (table == null || table.isBlank()
                ? "in memory (set TABLE_NAME to use DynamoDB)" : "DynamoDB table " + table));
        System.err.println("SMTP probe: " + (smtp == null ? "off (smtp=true is refused)" : "on"));
        System.out.println("serving on http://" + bind + ":" + server.getAddress().getPort());
        System.out.flush();
        new CountDownLatch(1).await();
        return 0;
    }

    private static void serve(Api api, HttpExchange exchange) throws IOException {
        try (exchange) {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                // One byte past the limit is enough for the API to answer 413.
                body = new String(in.readNBytes(Api.MAX_JOB_BODY_BYTES + 1), StandardCharsets.UTF_8);
            }
            Map<String, String> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            Api.Response r = api.handle(new Api.Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    query(exchange.getRequestURI().getRawQuery()), headers, body));
            r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] out = r.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(r.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
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
}
