package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.testbed.ServeProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** `checker serve` as a process, over real HTTP on loopback. */
class ServeCommandTest {

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

            HttpResponse<String> widget = http.send(HttpRequest.newBuilder(serve.resolve("/widget.js")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("text/javascript; charset=utf-8", widget.headers().firstValue("content-type").orElse(null));
        }
    }
}
