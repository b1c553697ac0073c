package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification;
import com.amazonaws.services.lambda.runtime.events.models.s3.S3EventNotification.S3EventNotificationRecord;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.mailcheck.LoggedDefects;
import dev.mailcheck.api.Api;
import dev.mailcheck.cli.LocalContext;
import dev.mailcheck.cli.QueueDrain;
import dev.mailcheck.jobs.SmtpItem;
import dev.mailcheck.jobs.SmtpLedger;
import dev.mailcheck.jobs.SmtpStage;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.testbed.Moto;
import dev.mailcheck.testbed.Nsd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * A defect inside each Lambda handler (an exception nothing expected, injected in-process into the store or the
 * SMTP ledger the handler works with, as no real DynamoDB has a bug on demand; everything else is moto with each
 * function's IAM policy): it is logged once by {@code Defects} with its stack under an id, the caller is told in
 * the way that makes the work be tried again (a 500 naming the id, a failed invocation naming it, a batch item
 * failure for that message alone), and once the defect is gone the next try loses nothing.
 */
class HandlerDefectsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUCKET = MotoStack.BUCKET;

    private MotoStack stack;
    private LoggedDefects log;

    @BeforeEach
    void stack() {
        stack = new MotoStack();
        log = new LoggedDefects();
    }

    @AfterEach
    void enforcementOff() {
        log.close();
        stack.close();
    }

    /** What a defect did: what the caller saw, where its id is named, and the work's state after the next try. */
    private record Outcome(String sees, String namesTheId, String then) {
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # handler | the defect inside                   | what the caller sees                             | then, the defect gone
            api       | the store's job (GET /v1/jobs/{id}) | 500 with the error_id                            | 200 running
            s3        | the store's putResults              | the invocation fails naming the id (retried)     | done, 3 results
            sqs       | the store's putChunk                | a batch item failure for that message alone of 3 | done, 3 results
            smtp      | the ledger's recheckEnds            | a batch item failure for that message alone of 2 | on the SMTP queue: 2 items, 0 rechecking
            failures  | the store's putFailedChunk          | a batch item failure for that message alone of 2 | failed, 3 not checked, rows: a@good.checker.test unverifiable, b@nullmx.checker.test unverifiable, not an address unverifiable
            """)
    void aDefectInsideAHandlerIsLoggedWithItsIdAndTriedAgainLosingNothing(String handler, String inside, String sees,
                                                                           String then) {
        Outcome o = switch (handler) {
            case "api" -> api();
            case "s3" -> upload();
            case "sqs" -> chunks();
            case "smtp" -> smtp();
            case "failures" -> failures();
            default -> throw new IllegalArgumentException(handler);
        };
        assertEquals(List.of(sees, then), List.of(o.sees(), o.then()), inside);
        String method = inside.split(" ")[2];
        log.assertLogged(o.namesTheId(), IllegalStateException.class, "a defect in " + method,
                HandlerDefectsTest.class.getName());
        assertEquals(1L, log.lines().stream().filter(l -> l.startsWith("internal error")).count(), () -> "one defect logged: " + log.lines());
    }

    /** GET /v1/jobs/{id} as API Gateway hands it over, while the store's first read has a defect; then again. */
    private Outcome api() {
        Job job = split(1, 1, "a@good.checker.test\nb@good.checker.test\n");
        ApiHandler handler = new ApiHandler(new Api(MotoStack.checker(), null,
                brokenOnce(ResultStore.class, stack.store(stack.api), "job"), null, List.of()));
        APIGatewayV2HTTPEvent get = lambdaEvent(APIGatewayV2HTTPEvent.class, """
                {"version": "2.0", "rawPath": "/v1/jobs/%s", "headers": {"accept": "application/json"},
                 "requestContext": {"http": {"method": "GET", "path": "/v1/jobs/%s"}}, "isBase64Encoded": false}
                """.formatted(job.id(), job.id()));
        APIGatewayV2HTTPResponse broken = handler.handleRequest(get, new LocalContext("api"));
        JsonNode body = json(broken.getBody());
        String sees = broken.getStatusCode() + (body.has("error_id") ? " with the error_id" : " without an id: " + body);
        APIGatewayV2HTTPResponse again = handler.handleRequest(get, new LocalContext("api"));
        return new Outcome(sees, "internal error " + body.path("error_id").asText(),
                again.getStatusCode() + " " + json(again.getBody()).path("status").asText());
    }

    /** An upload's event, the store's first write of results having a defect; then the event again, as Lambda retries. */
    private Outcome upload() {
        String key = UploadProcessor.UPLOADS + "defect.txt";
        String etag = stack.admin.s3().putObject(b -> b.bucket(BUCKET).key(key),
                RequestBody.fromString("a@good.checker.test\nb@nullmx.checker.test\nnot an address\n")).eTag();
        S3UploadHandler handler = new S3UploadHandler(new UploadProcessor(config(false), MotoStack.checker(),
                stack.upload.s3(), null, brokenOnce(ResultStore.class, stack.store(stack.upload), "putResults"),
                stack.events(stack.upload)));
        // As S3 notifies: the key, and the ETag bare (the SDK's has quotes). Built here: under the test's class loader
        // Lambda's serialiser looks for the v1 SDK's S3EventNotification, which is not on this class path.
        S3EventNotification.S3Entity s3 = new S3EventNotification.S3Entity(null,
                new S3EventNotification.S3BucketEntity(BUCKET, null, null),
                new S3EventNotification.S3ObjectEntity(key, 52L, etag.replace("\"", ""), null, null), "1.0");
        S3Event event = new S3Event(List.of(new S3EventNotificationRecord("us-east-1", "ObjectCreated:Put", "aws:s3",
                null, "2.1", null, null, s3, null)));
        String sees;
        String error = null;
        try {
            handler.handleRequest(event, new LocalContext("s3"));
            sees = "the invocation succeeds";
        } catch (RuntimeException e) {
            error = e.getMessage();
            sees = "the invocation fails" + (error.startsWith("internal error ") ? " naming the id (retried)" : ": " + error);
        }
        handler.handleRequest(event, new LocalContext("s3"));
        Job job = stack.store(stack.admin).job(UploadProcessor.jobId(BUCKET, key, etag)).orElseThrow();
        return new Outcome(sees, error, job.status() + ", " + job.total() + " results");
    }

    /** A batch of a split list's chunks, the first tally stored having a defect; then what SQS delivers again. */
    private Outcome chunks() {
        Job job = split(0, 1, "a@good.checker.test\nb@nullmx.checker.test\nnot an address\n");
        ResultStore store = brokenOnce(ResultStore.class, stack.store(stack.chunk), "putChunk");
        SqsChunkHandler handler = new SqsChunkHandler(Functions.chunkWorker(MotoStack.checker(), store,
                stack.events(stack.chunk), new S3JobFiles(stack.chunk.s3(), BUCKET)),
                new Erasure(stack.chunk.s3(), BUCKET, store, null, stack.chunk::sqs, stack.chunkQueue));
        Delivered first = deliver(stack.chunkQueue, stack.chunk, handler::handleRequest, 10);
        deliver(stack.chunkQueue, stack.chunk, handler::handleRequest, 10);
        Job ended = stack.store(stack.admin).job(job.id()).orElseThrow();
        return new Outcome(first.sees(), first.logged(), ended.status() + ", " + ended.total() + " results");
    }

    /**
     * Two rechecks whose delay is over, from the recheck queue (no message group): moved to the SMTP queue and
     * counted off the job's rechecking, the first count having a defect; then the failed one delivered again.
     */
    private Outcome smtp() {
        AwsConfig.SmtpJobsConfig smtpJobs = new AwsConfig.SmtpJobsConfig(stack.smtpQueue, stack.recheckQueue, 1,
                Duration.ofMinutes(1));
        SmtpLedger ledger = stack.smtpLedger(stack.smtp);
        for (String domain : List.of("good.checker.test", "other.checker.test")) {
            String recheck = """
                    {"job": "rechecked", "chunk": 0, "domain": "%s", "group": "%s", "tries": 2, "started": 1,
                     "due": 2, "entries": [{"position": 0, "input": "a@%s"}]}
                    """.formatted(domain, domain, domain);
            ledger.recheckWaits(SmtpItem.fromJson(recheck));
            stack.admin.sqs().sendMessage(b -> b.queueUrl(stack.recheckQueue).messageBody(recheck));
        }
        SmtpStage stage = new SmtpStage(Functions.chunkWorker(MotoStack.checker(), stack.store(stack.smtp),
                stack.events(stack.smtp), new S3JobFiles(stack.smtp.s3(), BUCKET)), MotoStack.checker(),
                stack.store(stack.smtp), new S3JobFiles(stack.smtp.s3(), BUCKET),
                brokenOnce(SmtpLedger.class, ledger, "recheckEnds"), new SqsSmtpQueue(stack.smtp.sqs(), smtpJobs),
                new Recheck(3, Duration.ofMinutes(1)), Functions::providerGroup);
        SqsSmtpHandler handler = new SqsSmtpHandler(stage, null, data -> {
            throw new AssertionError("a recheck due moves to the SMTP queue, it is not probed here");
        });
        Delivered first = deliver(stack.recheckQueue, stack.smtp, handler::handleRequest, 10);
        deliver(stack.recheckQueue, stack.smtp, handler::handleRequest, 10);
        int queued = stack.admin.sqs().receiveMessage(b -> b.queueUrl(stack.smtpQueue).maxNumberOfMessages(10))
                .messages().size();
        return new Outcome(first.sees(), first.logged(), "on the SMTP queue: " + queued + " items, "
                + ledger.rechecking("rechecked") + " rechecking");
    }

    /** A split list's chunks, both dead-lettered, the first given-up record having a defect; then it again. */
    private Outcome failures() {
        Job job = split(0, 2, "a@good.checker.test\nb@nullmx.checker.test\nnot an address\n");
        // Taken from the chunk queue as the dead-letter queue would hand them over: the chunks, unchanged.
        List<Message> chunks = stack.admin.sqs().receiveMessage(b -> b.queueUrl(stack.chunkQueue).maxNumberOfMessages(10))
                .messages();
        chunks.forEach(m -> stack.admin.sqs().sendMessage(b -> b.queueUrl(stack.deadLetterQueue).messageBody(m.body())));
        ResultStore store = brokenOnce(ResultStore.class, stack.store(stack.failures), "putFailedChunk");
        FailureHandler handler = new FailureHandler(new UploadProcessor(config(false), MotoStack.checker(),
                stack.failures.s3(), null, store, stack.events(stack.failures)),
                Functions.chunkWorker(MotoStack.checker(), store, stack.events(stack.failures),
                        new S3JobFiles(stack.failures.s3(), BUCKET)));
        Delivered first = deliver(stack.deadLetterQueue, stack.failures, handler::handleRequest, 10);
        deliver(stack.deadLetterQueue, stack.failures, handler::handleRequest, 10);
        Job ended = stack.store(stack.admin).job(job.id()).orElseThrow();
        // The retried give-up wrote its rows again at the same positions: the file has one per input line, in order.
        String file = stack.admin.s3().getObjectAsBytes(b -> b.bucket(BUCKET).key(ended.resultsKey())).asUtf8String();
        List<String> rows;
        try (MappingIterator<Map<String, String>> read = new CsvMapper().readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(file)) {
            rows = read.readAll().stream().map(r -> r.get("address") + " " + r.get("reason")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Outcome(first.sees(), first.logged(), ended.status() + ", " + ended.notChecked() + " not checked, rows: "
                + String.join(", ", rows));
    }

    /** What one delivery's caller saw, and the log line that names the message it failed (null if none). */
    private record Delivered(String sees, String logged) {
    }

    /**
     * One receive from the queue handed to the handler as Lambda's poller does (with the function's role): the
     * messages it reports failed stay for the next receive, the others are deleted.
     */
    private Delivered deliver(String queue, Moto.Clients as, BiFunction<SQSEvent, LocalContext, SQSBatchResponse> handler,
                              int max) {
        List<Message> batch = as.sqs().receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(max).visibilityTimeout(0)
                .messageSystemAttributeNamesWithStrings("All")).messages();
        List<String> failed = handler.apply(QueueDrain.event(batch), new LocalContext("sqs")).getBatchItemFailures()
                .stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
        for (Message m : batch) {
            if (!failed.contains(m.messageId())) {
                as.sqs().deleteMessage(b -> b.queueUrl(queue).receiptHandle(m.receiptHandle()));
            }
        }
        String logged = failed.size() != 1 ? null : log.lines().stream()
                .filter(l -> l.startsWith("internal error ") && l.contains(" in message " + failed.getFirst() + ","))
                .findFirst().orElse(null);
        String sees = failed.isEmpty() ? "no batch item failure"
                : (logged != null ? "a batch item failure for that message alone" : "batch item failures " + failed)
                + " of " + batch.size();
        return new Delivered(sees, logged);
    }

    /** The upload function on a list put under uploads/: checked in one piece, or split into chunks of {@code perChunk}. */
    private Job split(int inlineMax, int perChunk, String list) {
        String key = UploadProcessor.UPLOADS + "list-" + inlineMax + "-" + perChunk + ".txt";
        String etag = stack.admin.s3().putObject(b -> b.bucket(BUCKET).key(key), RequestBody.fromString(list)).eTag();
        Map<String, String> env = environment(true);
        env.put("INLINE_MAX_RECORDS", Integer.toString(inlineMax));
        return new UploadProcessor(AwsConfig.from(env), false, MotoStack.checker(), stack.upload.s3(), stack.upload.sqs(),
                stack.store(stack.upload), stack.events(stack.upload), perChunk).process(BUCKET, key, etag);
    }

    private AwsConfig config(boolean chunkQueue) {
        return AwsConfig.from(environment(chunkQueue));
    }

    private Map<String, String> environment(boolean chunkQueue) {
        Map<String, String> env = new HashMap<>(Map.of("TABLE_NAME", MotoStack.TABLE, "DNS_TIMEOUT_MS", "3000",
                "RESULT_RETENTION_DAYS", "1", "UPLOAD_BUCKET", BUCKET, "EVENT_BUS_NAME", "default",
                "DNS_SERVERS", Nsd.shared().hostPort()));
        if (chunkQueue) {
            env.put("CHUNK_QUEUE_URL", stack.chunkQueue);
        }
        return env;
    }

    /** An event as Lambda's own serialization reads it from the JSON the service sends. */
    private static <T> T lambdaEvent(Class<T> type, String json) {
        return LambdaEventSerializers.serializerFor(type, HandlerDefectsTest.class.getClassLoader())
                .fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code real}, except that the first call of {@code method} throws a defect: an in-process fault, as no real
     * store or ledger has a bug on demand.
     */
    @SuppressWarnings("unchecked")
    private static <T> T brokenOnce(Class<T> type, T real, String method) {
        AtomicBoolean broken = new AtomicBoolean(true);
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            if (m.getName().equals(method) && broken.getAndSet(false)) {
                throw new IllegalStateException("a defect in " + method);
            }
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
