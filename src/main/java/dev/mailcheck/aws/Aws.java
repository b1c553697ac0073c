package dev.mailcheck.aws;

import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

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
        return DynamoDbClient.builder().httpClient(HTTP).region(region()).build();
    }

    static S3Client s3() {
        // A local endpoint serves buckets by path; AWS itself takes either form.
        boolean local = System.getenv("AWS_ENDPOINT_URL") != null || System.getenv("AWS_ENDPOINT_URL_S3") != null;
        return S3Client.builder().httpClient(HTTP).region(region()).forcePathStyle(local).build();
    }

    static SqsClient sqs() {
        return SqsClient.builder().httpClient(HTTP).region(region()).build();
    }

    static EventBridgeClient events() {
        return EventBridgeClient.builder().httpClient(HTTP).region(region()).build();
    }

    private static Region region() {
        String region = System.getenv("AWS_REGION");
        return Region.of(region == null || region.isBlank() ? "us-east-1" : region);
    }
}
