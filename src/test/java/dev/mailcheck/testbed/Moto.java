package dev.mailcheck.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * moto_server as the stand-in for DynamoDB and S3, on a free loopback port; one per test JVM.
 * Install: it ships on this machine kind; elsewhere {@code pip install 'moto[server]'}.
 */
public final class Moto implements AutoCloseable {

    public static final String ACCESS_KEY = "testing";
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
            Process p = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
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

    /** Forgets every table and bucket. */
    public void reset() {
        try {
            http.send(HttpRequest.newBuilder(endpoint().resolve("/moto-api/reset"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, URI endpoint) {
        return builder.endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, ACCESS_KEY)))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @Override
    public void close() {
        process.destroy();
    }
}
