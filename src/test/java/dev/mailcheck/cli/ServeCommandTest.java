package dev.mailcheck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.testbed.Nsd;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** `checker serve` as a process, over real HTTP on loopback. */
class ServeCommandTest {

    @Test
    void servesTheApi() throws Exception {
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--port", "0",
                "--dns", Nsd.shared().hostPort()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("serving on http://127.0.0.1:"), "serve said: " + line);
            URI base = URI.create(line.substring("serving on ".length()));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> check = http.send(HttpRequest.newBuilder(base.resolve(
                    "/v1/check?address=Ann%40Good.Checker.Test")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, check.statusCode());
            JsonNode result = new ObjectMapper().readTree(check.body());
            assertEquals("Ann@good.checker.test", result.get("normalized").asText());
            assertEquals("deliverable", result.get("verdict").asText());

            HttpResponse<String> checks = http.send(HttpRequest.newBuilder(base.resolve("/v1/checks"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"addresses\": [\"a@nullmx.checker.test\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, checks.statusCode(), checks.body());
            String job = new ObjectMapper().readTree(checks.body()).get("job_id").asText();
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(base.resolve("/v1/jobs/" + job)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(1, new ObjectMapper().readTree(status.body()).at("/counts/undeliverable").asInt());

            HttpResponse<String> huge = http.send(HttpRequest.newBuilder(base.resolve("/v1/checks"))
                    .POST(HttpRequest.BodyPublishers.ofString("x".repeat(2_000_000))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, huge.statusCode());
        } finally {
            p.destroy();
        }
    }
}
