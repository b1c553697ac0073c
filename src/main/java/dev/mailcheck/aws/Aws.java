package dev.mailcheck.aws;

import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * The SDK clients as the functions build them: the small URL-connection HTTP client (one, shared: the SDK
 * leaves a client it is given open, and it is safe to share), the region of the environment, and whatever
 * endpoint AWS_ENDPOINT_URL names (a local stand-in such as moto). Credentials come from the SDK's default
 * chain: with SnapStart, Lambda hands them to a restored function through the container endpoint, not
 * through the environment variables of INIT.
 */
final class Aws {

    private static final SdkHttpClient HTTP = UrlConnectionHttpClient.create();

    private Aws() {
    }

    static DynamoDbClient dynamo() {
        return dynamoBuilder(HTTP).build();
    }

    static S3Client s3() {
        return s3Builder(HTTP).build();
    }

    static SqsClient sqs() {
        return sqsBuilder(HTTP).build();
    }

    static EventBridgeClient events() {
        return eventsBuilder(HTTP).build();
    }

    /** The clients as the functions build them, on {@code http} ({@link Rehearsal}'s too). */
    static DynamoDbClientBuilder dynamoBuilder(SdkHttpClient http) {
        return DynamoDbClient.builder().httpClient(http).region(region());
    }

    static S3ClientBuilder s3Builder(SdkHttpClient http) {
        // A local endpoint serves buckets by path; AWS itself takes either form.
        boolean local = System.getenv("AWS_ENDPOINT_URL") != null || System.getenv("AWS_ENDPOINT_URL_S3") != null;
        return S3Client.builder().httpClient(http).region(region()).forcePathStyle(local);
    }

    static SqsClientBuilder sqsBuilder(SdkHttpClient http) {
        return SqsClient.builder().httpClient(http).region(region());
    }

    static EventBridgeClientBuilder eventsBuilder(SdkHttpClient http) {
        return EventBridgeClient.builder().httpClient(http).region(region());
    }

    private static Region region() {
        String region = System.getenv("AWS_REGION");
        return Region.of(region == null || region.isBlank() ? "us-east-1" : region);
    }
}
