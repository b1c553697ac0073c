package dev.mailcheck.infra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailcheck.testbed.CloudFormation;
import dev.mailcheck.testbed.Moto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/deploy.md's plain-CloudFormation path, after `package` built target/function.zip: `aws cloudformation
 * package` (against moto's S3, through AWS_ENDPOINT_URL) uploads that zip as every function's code.
 */
class PackagedTemplateIT {

    @TempDir
    Path dir;

    @Test
    void everyFunctionsCodeIsTheBuiltZip() throws Exception {
        byte[] zip = Files.readAllBytes(Path.of("target/function.zip"));
        Moto.shared().reset();
        Moto.shared().s3().createBucket(b -> b.bucket("artifacts"));
        Path packaged = dir.resolve("packaged.yaml");
        ProcessBuilder pb = new ProcessBuilder("aws", "cloudformation", "package", "--template-file",
                CloudFormation.TEMPLATE.toString(), "--s3-bucket", "artifacts", "--output-template-file", packaged.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().putAll(Moto.shared().environment());
        pb.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        pb.environment().putAll(Moto.CLI_LOOPBACK_ONLY);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out.txt")));

        JsonNode template = CloudFormation.read(packaged);
        List<Map.Entry<String, JsonNode>> functions = template.path("Resources").properties().stream()
                .filter(r -> r.getValue().path("Type").asText().equals("AWS::Serverless::Function")).toList();
        // every function of the template (five: API, upload, chunk, SMTP, failures), none left out by packaging
        assertEquals(5, functions.size());
        for (Map.Entry<String, JsonNode> f : functions) {
            String uri = f.getValue().at("/Properties/CodeUri").asText();
            assertTrue(uri.startsWith("s3://artifacts/"), f.getKey() + ": " + uri);
            byte[] code = Moto.shared().s3().getObjectAsBytes(b -> b.bucket("artifacts")
                    .key(uri.substring("s3://artifacts/".length()))).asByteArray();
            assertArrayEquals(zip, code, f.getKey() + "'s code is not target/function.zip");
        }
    }
}
