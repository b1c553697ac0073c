package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.testbed.CloudFormation;
import dev.mailcheck.testbed.Moto;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * docs/aws.md's local recipe from nothing: scripts/local-aws starts moto and creates what the template
 * gives the functions, then `checker invoke` runs every sample event against it.
 */
class LocalAwsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode TEMPLATE = CloudFormation.template();

    /** The script's pid and log, for as long as this class runs. */
    @TempDir
    static Path state;
    @TempDir
    Path dir;
    /** What the script printed for the functions. */
    private static final Map<String, String> env = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        int dnsPort;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            dnsPort = s.getLocalPort();
        }
        Process p = script(Map.of("LOCAL_AWS_PORT", Integer.toString(port), "LOCAL_DNS_PORT", Integer.toString(dnsPort)));
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out + new String(p.getErrorStream().readAllBytes()));
        // Lines of "export NAME=value NAME=value".
        out.lines().filter(l -> l.startsWith("export ")).flatMap(l -> List.of(l.substring(7).split(" ")).stream())
                .forEach(kv -> env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1)));
        assertEquals("http://127.0.0.1:" + port, env.get("AWS_ENDPOINT_URL"), out);
        // The sample events' test zones, served by the NSD the script started (the test bed has NSD).
        assertEquals("127.0.0.1:" + dnsPort, env.get("DNS_SERVERS"), out);
    }

    @AfterAll
    static void stop() throws Exception {
        assertTrue(script(List.of("stop"), Map.of()).waitFor(30, TimeUnit.SECONDS));
    }

    private static Process script(Map<String, String> extra) throws Exception {
        return script(List.of(), extra);
    }

    private static Process script(List<String> args, Map<String, String> extra) throws Exception {
        List<String> command = new ArrayList<>(List.of("scripts/local-aws"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LOCAL_AWS_DIR", state.toString());
        pb.environment().putAll(Moto.CLI_LOOPBACK_ONLY);
        pb.environment().putAll(extra);
        return pb.start();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            s3       | events/s3-put.json          | 2 results
            sqs      | events/sqs-chunk.json       | "batchItemFailures":[]
            failures | events/failures-upload.json | "batchItemFailures":[]
            api      | events/api-check.json       | \\"reason\\":
            """)
    void everySampleEventRunsOnIt(String function, String event, String says) throws Exception {
        // DNS_SERVERS as the script printed it: its own NSD on loopback, with the test zones.
        Map<String, String> run = new HashMap<>(env);
        String out = SampleEventsTest.invoke(function, Path.of(event), run, dir);
        assertTrue(out.replace(" ", "").contains(says.replace(" ", "")), out);
    }

    /**
     * `checker invoke drain` on what the script made: a message on the SMTP queue (an item of a job the table does
     * not know, as after an erasure) goes through the SMTP function, which has nothing to add and lets it go; the
     * drain stops when every queue is empty.
     */
    @Test
    void drainRunsEveryQueuedMessageThroughItsFunction() throws Exception {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        try (SqsClient sqs = SqsClient.builder().endpointOverride(URI.create(env.get("AWS_ENDPOINT_URL")))
                .region(Region.US_EAST_1).credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create())
                .build()) {
            SmtpItem item = new SmtpItem("erased-job", null, 0, "strict.smtp.test", "mx-strict.smtp.test", 1,
                    System.currentTimeMillis(), 0, false, List.of(new SmtpItem.Entry(0, "alice@strict.smtp.test")));
            sqs.sendMessage(b -> b.queueUrl(env.get("SMTP_QUEUE_URL")).messageBody(item.toJson())
                    .messageGroupId(item.queueGroup(1)).messageDeduplicationId(item.dedupId("")));
            Map<String, String> run = new HashMap<>(env);
            run.putAll(Map.of("SMTP_ENABLED", "true", "SMTP_HELO", "prober.test"));
            String out = SampleEventsTest.invoke("drain", null, run, dir);
            assertTrue(out.contains("1 messages delivered; the queues are empty"), out);
            assertEquals("0", sqs.getQueueAttributes(b -> b.queueUrl(env.get("SMTP_QUEUE_URL"))
                    .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                    .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES));
        }
    }

    @Test
    void theTableAndQueuesAreTheTemplates() {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        URI endpoint = URI.create(env.get("AWS_ENDPOINT_URL"));
        try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
             SqsClient sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                     .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build()) {
            TableDescription table = dynamo.describeTable(b -> b.tableName(env.get("TABLE_NAME"))).table();
            JsonNode declared = TEMPLATE.at("/Resources/ResultsTable/Properties");
            assertEquals(declared.get("KeySchema"), JSON.valueToTree(table.keySchema().stream()
                    .map(k -> Map.of("AttributeName", k.attributeName(), "KeyType", k.keyTypeAsString())).toList()));
            assertEquals(declared.at("/TimeToLiveSpecification/AttributeName").asText(), dynamo.describeTimeToLive(b ->
                    b.tableName(env.get("TABLE_NAME"))).timeToLiveDescription().attributeName());

            Map<QueueAttributeName, String> chunks = sqs.getQueueAttributes(b -> b.queueUrl(env.get("CHUNK_QUEUE_URL"))
                    .attributeNames(QueueAttributeName.ALL)).attributes();
            JsonNode queue = TEMPLATE.at("/Resources/ChunkQueue/Properties");
            assertEquals(queue.get("VisibilityTimeout").asText(), chunks.get(QueueAttributeName.VISIBILITY_TIMEOUT));
            assertEquals(queue.at("/RedrivePolicy/maxReceiveCount").asInt(),
                    parse(chunks.get(QueueAttributeName.REDRIVE_POLICY)).get("maxReceiveCount").asInt());

            // The SMTP work queue (FIFO) and the recheck queue (standard: it delays messages one by one).
            for (String[] q : List.of(new String[] {"SMTP_QUEUE_URL", "SmtpQueue"},
                    new String[] {"RECHECK_QUEUE_URL", "RecheckQueue"})) {
                Map<QueueAttributeName, String> made = sqs.getQueueAttributes(b -> b.queueUrl(env.get(q[0]))
                        .attributeNames(QueueAttributeName.ALL)).attributes();
                JsonNode declaredQueue = TEMPLATE.at("/Resources/" + q[1] + "/Properties");
                assertEquals(declaredQueue.path("FifoQueue").asBoolean(false),
                        Boolean.parseBoolean(made.getOrDefault(QueueAttributeName.FIFO_QUEUE, "false")), q[1]);
                assertEquals(declaredQueue.get("VisibilityTimeout").asText(), made.get(QueueAttributeName.VISIBILITY_TIMEOUT));
                assertEquals(declaredQueue.at("/RedrivePolicy/maxReceiveCount").asInt(),
                        parse(made.get(QueueAttributeName.REDRIVE_POLICY)).get("maxReceiveCount").asInt());
            }
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
