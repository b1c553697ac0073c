package dev.mailcheck.aws;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SDK operations the functions call, writes included, rehearsed on clients of their own whose HTTP client is
 * this process: every request is marshalled, signed and "sent" to {@link #IN_PROCESS}, which reads it and answers an empty
 * success without opening a socket. So nothing leaves the process and nothing can be written anywhere, while the
 * operations' classes (request and response models, marshallers, the protocol's and the service's interceptors)
 * are loaded and linked before the snapshot: {@link SdkPriming}'s read-only request per real client primes only the
 * operation it makes, and a chunk's first event otherwise loads some 500 classes for its writes.
 */
final class Rehearsal {

    /** Fake keys: the rehearsal signs as the real clients do, and no credential provider is asked. */
    private static final StaticCredentialsProvider KEYS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("PRIMING", "PRIMING"));
    private static final String TABLE = "priming";
    private static final Map<String, AttributeValue> KEY = Map.of("pk", AttributeValue.fromS(SdkPriming.MISSING_ITEM),
            "sk", AttributeValue.fromS(SdkPriming.MISSING_ITEM));
    /** An item of every attribute type the store writes, so that each one's marshalling is rehearsed. */
    private static final Map<String, AttributeValue> ITEM = Map.of("pk", AttributeValue.fromS("PRIMING"),
            "sk", AttributeValue.fromS("PRIMING"), "n", AttributeValue.fromN("1"), "b", AttributeValue.fromBool(true),
            "m", AttributeValue.fromM(Map.of("l", AttributeValue.fromL(List.of(AttributeValue.fromS("x"))))),
            "ss", AttributeValue.fromSs(List.of("x")));

    /** The body of the rehearsal's message, and its MD5 as SQS would return it. */
    private static final String MESSAGE = "{}";
    private static final String MESSAGE_MD5 = "99914b932bd37a50b983c5e7c90ae93b";

    private Rehearsal() {
    }

    /** Requests answered so far, by every rehearsal client of this process (the tests' proof that they got here). */
    static final AtomicLong ANSWERED = new AtomicLong();

    /** Answers every request with 200 and an empty JSON object (S3: an empty body), after reading the request. */
    static final SdkHttpClient IN_PROCESS = new SdkHttpClient() {
        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    // Read as a socket would, so that the body's streaming and checksums are rehearsed too.
                    if (request.contentStreamProvider().isPresent()) {
                        try (InputStream body = request.contentStreamProvider().get().newStream()) {
                            body.transferTo(OutputStream.nullOutputStream());
                        }
                    }
                    // The JSON protocols (DynamoDB, SQS, EventBridge) name their operation in X-Amz-Target; S3 is REST.
                    String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse(null);
                    boolean s3 = target == null;
                    // The SQS client checks the MD5 of the body sent (MESSAGE's) against the one returned.
                    byte[] body = (s3 ? "" : target.equals("AmazonSQS.SendMessage") ? "{\"MD5OfMessageBody\": \""
                            + MESSAGE_MD5 + "\", \"MessageId\": \"priming\"}" : "{}").getBytes(StandardCharsets.UTF_8);
                    ANSWERED.incrementAndGet();
                    return HttpExecuteResponse.builder()
                            .response(SdkHttpResponse.builder().statusCode(200)
                                    .putHeader("Content-Length", String.valueOf(body.length))
                                    .putHeader("Content-Type", s3 ? "application/xml" : "application/x-amz-json-1.0")
                                    .putHeader("ETag", "\"priming\"").putHeader("x-amzn-RequestId", "priming").build())
                            .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body))).build();
                }

                @Override
                public void abort() {
                }
            };
        }

        @Override
        public void close() {
        }
    };

    /** A DynamoDB client on the rehearsal's HTTP client, for the caller to close. */
    static DynamoDbClient dynamoClient() {
        return Aws.dynamoBuilder(IN_PROCESS).credentialsProvider(KEYS).build();
    }

    /** DynamoDB: the reads and the writes of the store, the SMTP ledger and the shared guard. */
    static void dynamo() {
        try (DynamoDbClient c = dynamoClient()) {
            c.getItem(b -> b.tableName(TABLE).key(KEY).consistentRead(true));
            c.queryPaginator(b -> b.tableName(TABLE).consistentRead(true).keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", KEY.get("pk")))).items().forEach(i -> { });
            c.putItem(b -> b.tableName(TABLE).item(ITEM).conditionExpression("attribute_not_exists(pk)"));
            c.updateItem(b -> b.tableName(TABLE).key(KEY).updateExpression("ADD n :one")
                    .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"))));
            c.batchWriteItem(b -> b.requestItems(Map.of(TABLE, List.of(
                    WriteRequest.builder().putRequest(p -> p.item(ITEM)).build()))));
            c.transactWriteItems(b -> b.transactItems(t -> t.put(p -> p.tableName(TABLE).item(ITEM)),
                    t -> t.update(u -> u.tableName(TABLE).key(KEY).updateExpression("ADD n :one")
                            .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"))))));
        }
    }

    /** S3: reading an upload, and writing a results part. */
    static void s3() {
        try (S3Client c = Aws.s3Builder(IN_PROCESS).credentialsProvider(KEYS).build()) {
            c.headObject(b -> b.bucket(TABLE).key(SdkPriming.MISSING_KEY));
            c.getObjectAsBytes(b -> b.bucket(TABLE).key(SdkPriming.MISSING_KEY));
            c.putObject(b -> b.bucket(TABLE).key(SdkPriming.MISSING_KEY), RequestBody.fromString("priming"));
        }
    }

    /** SQS: a chunk or an SMTP item sent on (with the delay a recheck waits). */
    static void sqs() {
        try (SqsClient c = Aws.sqsBuilder(IN_PROCESS).credentialsProvider(KEYS).build()) {
            c.sendMessage(b -> b.queueUrl("https://sqs.us-east-1.amazonaws.com/123456789012/priming").messageBody(MESSAGE)
                    .delaySeconds(1));
        }
    }

    /** EventBridge: a job's end announced. */
    static void events() {
        try (EventBridgeClient c = Aws.eventsBuilder(IN_PROCESS).credentialsProvider(KEYS).build()) {
            c.putEvents(b -> b.entries(e -> e.eventBusName("priming").source("priming").detailType("priming").detail("{}")));
        }
    }
}
