package dev.mailcheck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.store.LocalResultStore;
import dev.mailcheck.testbed.ServeProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The document GET /v1/openapi.json serves, checked by a real OpenAPI validator: @apidevtools/swagger-parser
 * (OpenAPI 3.1's schema), which scripts/setup --test installs into .test-tools/openapi-validator.
 */
class OpenApiDocumentTest {

    private static final Path VALIDATOR = Path.of(".test-tools", "openapi-validator", "node_modules", "@apidevtools",
            "swagger-parser");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String served() {
        try (MxResolver dns = new MxResolver(List.of(), Duration.ofSeconds(1), 1, false);
             LocalResultStore store = new LocalResultStore(LocalResultStore.Limits.DEFAULT, code -> null)) {
            Api.Response r = new Api(new Checker(dns), null, store, null, List.of())
                    .handle(new Api.Request("GET", "/v1/openapi.json", Map.of(), Map.of(), null));
            assertEquals(200, r.status());
            return r.body();
        }
    }

    /** What the validator says of a document: null when it is valid, else its complaint. */
    private String validate(String document) throws IOException, InterruptedException {
        if (!Files.isDirectory(VALIDATOR)) {
            throw new IllegalStateException(VALIDATOR + " is missing: run scripts/setup --test, which installs it");
        }
        Path file = Files.writeString(dir.resolve("openapi.json"), document);
        Process node = new ProcessBuilder("node", "-e", """
                require(process.argv[1]).validate(process.argv[2]).then(
                    () => process.exit(0), e => { console.log(e.message); process.exit(1); });
                """, VALIDATOR.toAbsolutePath().toString(), file.toString()).redirectErrorStream(true).start();
        String said = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(node.waitFor(60, TimeUnit.SECONDS), "the validator ends");
        return node.exitValue() == 0 ? null : said;
    }

    @Test
    void theServedDocumentIsValidOpenApi() throws Exception {
        assertEquals(null, validate(served()));
    }

    /** The validator is no rubber stamp: a response without its required description is refused. */
    @Test
    void aBrokenDocumentIsRefused() throws Exception {
        ObjectNode doc = (ObjectNode) JSON.readTree(served());
        ((ObjectNode) doc.at("/paths/~1v1~1jobs/post/responses/202")).remove("description");
        String said = validate(JSON.writeValueAsString(doc));
        assertTrue(said != null && said.contains("description"), said);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # what                                              | JSON pointer                                          | value there (JSON)
            the server is the host that served it               | /servers/0/url                                        | "/"
            a Job always has these fields                        | /components/schemas/Job/required                      | ["id", "source", "status", "total", "counts", "rechecking", "created", "updated", "results_key", "results"]
            the widget answers If-None-Match with 304            | /paths/~1widget.js/get/responses/304/description      | "Not modified: the copy named by If-None-Match is current (no body)"
            so does the demo page                               | /paths/~1demo/get/responses/304/description           | "Not modified: the copy named by If-None-Match is current (no body)"
            this document is JSON                               | /paths/~1v1~1openapi.json/get/responses/200/content/application~1json/schema/type | "object"
            the signup-form call is public                       | /paths/~1v1~1check/get/security                       | []
            a 500 names its log line                             | /components/schemas/Error/properties/error_id/type    | "string"
            serve's 429 is the API's error, the gateway's its own | /components/responses/TooManyRequests/content/application~1json/schema/oneOf/0/$ref | "#/components/schemas/Error"
            a 429 says when to ask again                         | /components/responses/TooManyRequests/headers/Retry-After/schema/type | "integer"
            so does a 503 for the bodies' memory                 | /components/responses/ServiceUnavailable/headers/Retry-After/schema/type | "integer"
            """)
    void theDocumentSays(String what, String pointer, String json) throws Exception {
        assertEquals(JSON.readTree(json), JSON.readTree(served()).at(pointer), what);
    }

    /**
     * What a real serve answers is in the document, under the route that answered: each row a request sent over a
     * socket (headers as {@code name=value;...}, {@code -} for none) to a serve with a 1 s body deadline. Before, the
     * document lacked 408 everywhere, 415 where the route itself takes any content type, and 400 where the route
     * itself has no parameter to refuse.
     */
    @ParameterizedTest(name = "{0} {2} ({3}): {4}")
    @CsvSource(delimiter = '|', textBlock = """
            # method | route                  | target                     | headers                                | status
            GET      | /v1/check              | /v1/check?address=%zz      | -                                      | 400
            POST     | /v1/check              | /v1/check                  | content-length=10                      | 408
            POST     | /v1/checks             | /v1/checks                 | content-length=10                      | 408
            POST     | /v1/checks             | /v1/checks                 | content-encoding=br;content-length=2   | 415
            POST     | /v1/jobs               | /v1/jobs                   | content-length=10                      | 408
            GET      | /v1/jobs/{id}          | /v1/jobs/x1?a=%zz          | -                                      | 400
            DELETE   | /v1/jobs/{id}          | /v1/jobs/x1                | content-encoding=br;content-length=2   | 415
            GET      | /v1/jobs/{id}/results  | /v1/jobs/x1/results        | transfer-encoding=xchunked             | 400
            POST     | /v1/jobs/{id}/rerun    | /v1/jobs/x1/rerun          | content-length=10                      | 408
            GET      | /v1/openapi.json       | /v1/openapi.json?%zz       | -                                      | 400
            GET      | /v1/smtp-codes/{code}  | /v1/smtp-codes/550         | content-encoding=br;content-length=2   | 415
            GET      | /widget.js             | /widget.js                 | content-length=10                      | 408
            GET      | /demo                  | /demo?lang=%zz             | -                                      | 400
            """)
    void whatServeAnswersIsDocumented(String method, String route, String target, String headers, int status)
            throws Exception {
        StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: x\r\n");
        if (!headers.equals("-")) {
            for (String h : headers.split(";")) {
                request.append(h.replace("=", ": ")).append("\r\n");
            }
        }
        // Two bytes of body where a length of 2 is declared; none where 10 is (it never comes: 408).
        request.append("\r\n").append(headers.contains("content-length=2") ? "{}" : "");
        String answer;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), serve.base().getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.US_ASCII));
            answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        }
        assertEquals("HTTP/1.1 " + status, answer, method + " " + target);
        JsonNode documented = JSON.readTree(served()).path("paths").path(route).path(method.toLowerCase(Locale.ROOT))
                .path("responses").path(Integer.toString(status));
        assertTrue(!documented.isMissingNode(), method + " " + route + " answers " + status + ", which the document lacks");
    }

    private static ServeProcess serve;

    @BeforeAll
    static void startServe() {
        serve = ServeProcess.start("--body-timeout-ms", "1000");
    }

    @AfterAll
    static void stopServe() throws InterruptedException {
        serve.close();
    }
}
