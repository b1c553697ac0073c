package dev.mailcheck.testbed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKey;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * moto_server as the stand-in for DynamoDB, S3, SQS, EventBridge and IAM, on a free loopback port; one
 * per test JVM. Started through {@code testbed/moto_like_aws.py}, which makes its IAM checks judge DynamoDB
 * and EventBridge calls by the resource they name, as AWS does. {@link #enforceIam} turns those checks
 * on: then every call must be signed by a user of {@link #user} whose policies allow it.
 * Install: it ships on this machine kind; elsewhere {@code pip install 'moto[server]'}.
 */
public final class Moto implements AutoCloseable {

    public static final String ACCESS_KEY = "testing";
    /**
     * For the aws CLI run against moto: one that ignored AWS_ENDPOINT_URL would call the real AWS; through
     * a proxy that isn't there, such a call fails here instead of leaving the machine.
     */
    public static final Map<String, String> CLI_LOOPBACK_ONLY = Map.of("HTTPS_PROXY", "http://127.0.0.1:9",
            "HTTP_PROXY", "http://127.0.0.1:9", "NO_PROXY", "127.0.0.1,localhost");
    private static final AwsCredentialsProvider DEFAULT_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, ACCESS_KEY));
    private static Moto shared;

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private Moto(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static synchronized Moto shared() {
        if (shared == null) {
            shared = start();
            Moto m = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(m::close));
        }
        return shared;
    }

    private static Moto start() {
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path log = Files.createTempFile("moto-", ".log");
            Path launcher = Files.createTempFile("moto_like_aws", ".py");
            try (InputStream in = Moto.class.getResourceAsStream("/testbed/moto_like_aws.py")) {
                Files.copy(in, launcher, StandardCopyOption.REPLACE_EXISTING);
            }
            Process p = new ProcessBuilder("python3", launcher.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Moto m = new Moto(p, port);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    if (m.http.send(HttpRequest.newBuilder(m.endpoint().resolve("/moto-api/")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return m;
                    }
                } catch (IOException e) {
                    if (System.nanoTime() > deadline || !p.isAlive()) {
                        throw new IOException("moto_server did not start: " + Files.readString(log), e);
                    }
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not start moto_server (pip install 'moto[server]')", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Forgets every table, bucket, queue and user. */
    public void reset() {
        post("/moto-api/reset", "");
    }

    /**
     * On: every later call is authenticated and checked against the caller's IAM policies (moto's
     * INITIAL_NO_AUTH_ACTION_COUNT of 0). Off: anything goes, with any key, as before.
     */
    public void enforceIam(boolean on) {
        post("/moto-api/reset-auth", on ? "0" : "inf");
    }

    private void post(String path, String body) {
        try {
            http.send(HttpRequest.newBuilder(endpoint().resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * An IAM user with these inline policies (JSON documents) and an access key; create it while IAM is
     * not enforced. Its clients reach this server signed with its key.
     */
    public Clients user(String name, List<String> policies) {
        try (IamClient iam = client(IamClient.builder(), endpoint(), DEFAULT_CREDENTIALS)) {
            iam.createUser(b -> b.userName(name));
            for (int i = 0; i < policies.size(); i++) {
                String document = policies.get(i);
                String policyName = "policy" + i;
                iam.putUserPolicy(b -> b.userName(name).policyName(policyName).policyDocument(document));
            }
            AccessKey key = iam.createAccessKey(b -> b.userName(name)).accessKey();
            return new Clients(endpoint(), StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(key.accessKeyId(), key.secretAccessKey())));
        }
    }

    /** The SDK clients of one caller. */
    public record Clients(URI endpoint, AwsCredentialsProvider credentials) {

        public S3Client s3() {
            return client(S3Client.builder().forcePathStyle(true), endpoint, credentials);
        }

        public DynamoDbClient dynamo() {
            return client(DynamoDbClient.builder(), endpoint, credentials);
        }

        public SqsClient sqs() {
            return client(SqsClient.builder(), endpoint, credentials);
        }

        public EventBridgeClient events() {
            return client(EventBridgeClient.builder(), endpoint, credentials);
        }
    }

    /** The environment a handler process needs to use this stand-in. */
    public Map<String, String> environment() {
        return Map.of("AWS_ENDPOINT_URL", endpoint().toString(), "AWS_ACCESS_KEY_ID", ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", ACCESS_KEY, "AWS_REGION", "us-east-1");
    }

    public DynamoDbClient dynamo() {
        return dynamo(endpoint());
    }

    /** A DynamoDB client for {@code endpoint} (this server, or a proxy in front of it). */
    public static DynamoDbClient dynamo(URI endpoint) {
        return client(DynamoDbClient.builder(), endpoint);
    }

    public S3Client s3() {
        return client(S3Client.builder().forcePathStyle(true), endpoint());
    }

    public SqsClient sqs() {
        return client(SqsClient.builder(), endpoint());
    }

    public EventBridgeClient events() {
        return client(EventBridgeClient.builder(), endpoint(), DEFAULT_CREDENTIALS);
    }

    private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, URI endpoint) {
        return client(builder, endpoint, DEFAULT_CREDENTIALS);
    }

    private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, URI endpoint,
                                                                                              AwsCredentialsProvider credentials) {
        return builder.endpointOverride(endpoint).region(Region.US_EAST_1)
                .overrideConfiguration(c -> c.addExecutionInterceptor(CALLS))
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
    }

    /** Calls made through this stand-in's clients, by {@code Service:Operation} (what a run costs on AWS). */
    public static Map<String, Long> calls() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        CALLS.counts.forEach((k, v) -> counts.put(k, v.sum()));
        return counts;
    }

    /** Starts counting {@link #calls()} from zero. */
    public static void resetCalls() {
        CALLS.counts.clear();
    }

    private static final CallCounter CALLS = new CallCounter();

    /** Counts each SDK call once, when it first goes out (the SDK's own retries are requests of the same call). */
    private static final class CallCounter implements ExecutionInterceptor {
        final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            String call = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME) + ":"
                    + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
            counts.computeIfAbsent(call, k -> new LongAdder()).increment();
        }
    }

    @Override
    public void close() {
        process.destroy();
    }
}
