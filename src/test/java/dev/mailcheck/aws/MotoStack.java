package dev.mailcheck.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.api.SmtpCodes;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.testbed.CloudFormation;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * infra/template.yaml's table, bucket, queues and "Job Finished" rule in moto, and a user per function
 * whose policies are that function's statements from the template, resolved for these resources. Once
 * created, moto enforces IAM: code run with a function's clients may do exactly what the template grants
 * that function, and a call it doesn't grant fails. The test's own calls go as {@link #admin}.
 */
final class MotoStack implements AutoCloseable {

    static final String BUCKET = "checker-uploads";
    static final String TABLE = DynamoResultStoreTest.TABLE;
    private static final String ACCOUNT = "123456789012";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Checker checker;

    final Moto.Clients admin;
    final Moto.Clients api;
    final Moto.Clients upload;
    final Moto.Clients chunk;
    final Moto.Clients failures;
    final Moto.Clients smtp;
    final String chunkQueue;
    final String smtpQueue;
    final String smtpDeadLetterQueue;
    final String recheckQueue;
    final String recheckDeadLetterQueue;
    final String deadLetterQueue;
    final String failureQueue;
    private final String eventsQueue;

    MotoStack() {
        Moto moto = Moto.shared();
        moto.enforceIam(false);
        moto.reset();
        JsonNode template = CloudFormation.template();
        moto.dynamo().createTable(DynamoResultStore.tableDefinition(TABLE));
        moto.s3().createBucket(b -> b.bucket(BUCKET));
        SqsClient sqs = moto.sqs();
        deadLetterQueue = sqs.createQueue(b -> b.queueName("chunks-dead")).queueUrl();
        String deadArn = arn(sqs, deadLetterQueue);
        int receives = template.at("/Resources/ChunkQueue/Properties/RedrivePolicy/maxReceiveCount").asInt();
        chunkQueue = sqs.createQueue(b -> b.queueName("chunks").attributes(Map.of(QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\": \"" + deadArn + "\", \"maxReceiveCount\": " + receives + "}"))).queueUrl();
        failureQueue = sqs.createQueue(b -> b.queueName("upload-failures")).queueUrl();
        smtpDeadLetterQueue = sqs.createQueue(b -> b.queueName("smtp-dead.fifo")
                .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        int smtpReceives = template.at("/Resources/SmtpQueue/Properties/RedrivePolicy/maxReceiveCount").asInt();
        smtpQueue = sqs.createQueue(b -> b.queueName("smtp.fifo").attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true",
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\": \"" + arn(sqs, smtpDeadLetterQueue)
                        + "\", \"maxReceiveCount\": " + smtpReceives + "}"))).queueUrl();
        recheckDeadLetterQueue = sqs.createQueue(b -> b.queueName("rechecks-dead")).queueUrl();
        recheckQueue = sqs.createQueue(b -> b.queueName("rechecks").attributes(Map.of(QueueAttributeName.REDRIVE_POLICY,
                "{\"deadLetterTargetArn\": \"" + arn(sqs, recheckDeadLetterQueue) + "\", \"maxReceiveCount\": "
                        + smtpReceives + "}"))).queueUrl();
        eventsQueue = sqs.createQueue(b -> b.queueName("job-events")).queueUrl();

        Map<String, String> names = Map.ofEntries(Map.entry("AWS::Partition", "aws"), Map.entry("AWS::Region", "us-east-1"),
                Map.entry("AWS::AccountId", ACCOUNT), Map.entry("UploadBucket", BUCKET),
                Map.entry("UploadBucket.Arn", "arn:aws:s3:::" + BUCKET),
                Map.entry("ResultsTable.Arn", "arn:aws:dynamodb:us-east-1:" + ACCOUNT + ":table/" + TABLE),
                Map.entry("ChunkQueue.Arn", arn(sqs, chunkQueue)), Map.entry("ChunkDeadLetterQueue.Arn", deadArn),
                Map.entry("UploadFailureQueue.Arn", arn(sqs, failureQueue)), Map.entry("SmtpQueue.Arn", arn(sqs, smtpQueue)),
                Map.entry("SmtpDeadLetterQueue.Arn", arn(sqs, smtpDeadLetterQueue)),
                Map.entry("RecheckQueue.Arn", arn(sqs, recheckQueue)),
                Map.entry("RecheckDeadLetterQueue.Arn", arn(sqs, recheckDeadLetterQueue)));
        // The rule the template's output suggests, to a queue the test reads.
        String pattern = CloudFormation.resolve(template.at("/Outputs/JobFinishedEventPattern/Value"), names).asText();
        moto.events().putRule(b -> b.name("checker-jobs").eventPattern(pattern));
        String eventsArn = arn(sqs, eventsQueue);
        moto.events().putTargets(b -> b.rule("checker-jobs").targets(t -> t.id("queue").arn(eventsArn)));

        admin = moto.user("admin", List.of(
                "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}"));
        api = moto.user("api", CloudFormation.policies(template, "ApiFunction", names));
        upload = moto.user("upload", CloudFormation.policies(template, "UploadFunction", names));
        chunk = moto.user("chunk", CloudFormation.policies(template, "ChunkFunction", names));
        failures = moto.user("failures", CloudFormation.policies(template, "FailureFunction", names));
        smtp = moto.user("smtp", CloudFormation.policies(template, "SmtpFunction", names));
        moto.enforceIam(true);
    }

    private static String arn(SqsClient sqs, String url) {
        return sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
    }

    /** A checker on NSD, shared by the tests of this JVM as NSD itself is (its resolver's cache holds test zones only). */
    static synchronized Checker checker() {
        if (checker == null) {
            checker = new Checker(new MxResolver(List.of(Nsd.shared().address()), Duration.ofSeconds(3),
                    MxResolver.DEFAULT_MAX_IN_FLIGHT, true));
        }
        return checker;
    }

    DynamoResultStore store(Moto.Clients as) {
        return new DynamoResultStore(as.dynamo(), TABLE, Duration.ofDays(1), SmtpCodes::link);
    }

    DynamoSmtpLedger smtpLedger(Moto.Clients as) {
        return new DynamoSmtpLedger(as.dynamo(), TABLE, Duration.ofDays(1));
    }

    EventBridgeEvents events(Moto.Clients as) {
        return new EventBridgeEvents(as.events(), "default", BUCKET);
    }

    /** The details of the "Job Finished" events the rule delivered since the last call. */
    List<JsonNode> jobEvents() {
        List<JsonNode> details = new ArrayList<>();
        SqsClient sqs = admin.sqs();
        List<Message> batch;
        while (!(batch = sqs.receiveMessage(b -> b.queueUrl(eventsQueue).maxNumberOfMessages(10)).messages()).isEmpty()) {
            for (Message m : batch) {
                try {
                    JsonNode event = JSON.readTree(m.body());
                    if (!event.path("source").asText().equals(EventBridgeEvents.SOURCE)
                            || !event.path("detail-type").asText().equals(EventBridgeEvents.DETAIL_TYPE)) {
                        throw new AssertionError("the rule let through " + m.body());
                    }
                    details.add(event.path("detail"));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new UncheckedIOException(e);
                }
                sqs.deleteMessage(b -> b.queueUrl(eventsQueue).receiptHandle(m.receiptHandle()));
            }
        }
        return details;
    }

    @Override
    public void close() {
        Moto.shared().enforceIam(false);
    }
}
