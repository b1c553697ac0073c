package dev.mailcheck.cli;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import dev.mailcheck.aws.ApiHandler;
import dev.mailcheck.aws.FailureHandler;
import dev.mailcheck.aws.S3UploadHandler;
import dev.mailcheck.aws.SqsChunkHandler;
import dev.mailcheck.aws.SqsSmtpHandler;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.sqs.SqsClient;

@Command(name = "invoke", mixinStandardHelpOptions = true,
        description = {"Runs one Lambda handler on an event file, as Lambda would, without Docker.",
                "The handler reads its configuration from the environment (TABLE_NAME, DNS_SERVERS, ...) and"
                        + " reaches AWS, or the stand-in that AWS_ENDPOINT_URL names.",
                "`invoke drain` (no event) is Lambda's SQS pollers: every message of CHUNK_QUEUE_URL, SMTP_QUEUE_URL and"
                        + " RECHECK_QUEUE_URL (and of the dead-letter queues scripts/local-aws names) runs through its"
                        + " function until the queues are empty, delays honoured."})
final class InvokeCommand implements Callable<Integer> {

    /** How long `invoke drain` goes on at most: a recheck window of the default hour, and some. */
    static final Duration DRAIN_LIMIT = Duration.ofMinutes(90);

    /** The functions infra/template.yaml deploys, by the name used here. */
    enum Function {
        API(APIGatewayV2HTTPEvent.class, ApiHandler::new),
        S3(S3Event.class, S3UploadHandler::new),
        SQS(SQSEvent.class, SqsChunkHandler::new),
        SMTP(SQSEvent.class, SqsSmtpHandler::new),
        FAILURES(SQSEvent.class, FailureHandler::new),
        /** Not a function: the pollers of the queues, each message to its function ({@link QueueDrain}). */
        DRAIN(null, null);

        final Class<?> event;
        final Supplier<RequestHandler<?, ?>> handler;

        Function(Class<?> event, Supplier<RequestHandler<?, ?>> handler) {
            this.event = event;
            this.handler = handler;
        }
    }

    @Parameters(index = "0", paramLabel = "FUNCTION", description = "Which handler: ${COMPLETION-CANDIDATES}.")
    Function function;

    @Parameters(index = "1", arity = "0..1", paramLabel = "EVENT.json",
            description = "The event, as Lambda would deliver it (see events/); none for drain.")
    Path event;

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Integer call() throws Exception {
        if (function == Function.DRAIN) {
            return drain();
        }
        if (event == null) {
            System.err.println("invoke " + function.name().toLowerCase(Locale.ROOT) + ": name the event file (see events/)");
            return 2;
        }
        Object input;
        try (InputStream in = Files.newInputStream(event)) {
            // The Lambda runtime's own deserialiser, so a sample event is read exactly as Lambda reads it.
            input = LambdaEventSerializers.serializerFor(function.event, getClass().getClassLoader()).fromJson(in);
        }
        RequestHandler handler = function.handler.get();
        Object output = handler.handleRequest(input, new LocalContext(function.name().toLowerCase(Locale.ROOT)));
        if (output instanceof String text) {
            System.out.println(text);
        } else {
            // Responses such as API Gateway's are written as Lambda would return them.
            LambdaEventSerializers.serializerFor((Class) output.getClass(), getClass().getClassLoader())
                    .toJson(output, System.out);
            System.out.println();
        }
        return 0;
    }

    /** The queues scripts/local-aws prints, each with its function as the template deploys it (batch, timeout). */
    private static int drain() throws InterruptedException {
        SqsClient sqs = SqsClient.create();
        List<QueueDrain.Source> sources = new ArrayList<>();
        add(sources, sqs, "CHUNK_QUEUE_URL", SqsChunkHandler::new, 5, Duration.ofSeconds(180));
        add(sources, sqs, "SMTP_QUEUE_URL", SqsSmtpHandler::new, 10, Duration.ofSeconds(180));
        add(sources, sqs, "RECHECK_QUEUE_URL", SqsSmtpHandler::new, 10, Duration.ofSeconds(180));
        for (String dead : List.of("CHUNK_DEAD_LETTER_QUEUE_URL", "SMTP_DEAD_LETTER_QUEUE_URL",
                "RECHECK_DEAD_LETTER_QUEUE_URL")) {
            add(sources, sqs, dead, FailureHandler::new, 10, Duration.ofSeconds(300));
        }
        if (sources.isEmpty()) {
            System.err.println("invoke drain: no queue named (CHUNK_QUEUE_URL, SMTP_QUEUE_URL, ...): eval \"$(scripts/local-aws)\"");
            return 2;
        }
        int delivered = QueueDrain.drain(sources, DRAIN_LIMIT);
        System.out.println(delivered + " messages delivered; the queues are empty");
        return 0;
    }

    /** The queue a variable names, if it names one; its handler is built once, as in a warm Lambda environment. */
    private static void add(List<QueueDrain.Source> sources, SqsClient sqs, String variable,
                            Supplier<RequestHandler<SQSEvent, SQSBatchResponse>> handler, int batch, Duration timeout) {
        String url = System.getenv(variable);
        if (url != null && !url.isBlank()) {
            String name = variable.replace("_QUEUE_URL", "").toLowerCase(Locale.ROOT);
            sources.add(new QueueDrain.Source(url.strip(), sqs, onFirstMessage(handler), batch, timeout,
                    () -> new LocalContext(name, timeout)));
        }
    }

    /**
     * A handler built on its first message: a queue with nothing on it never needs its function's configuration.
     * A lambda, not a class: Quarkus takes every class that implements RequestHandler for a function's handler.
     */
    private static RequestHandler<SQSEvent, SQSBatchResponse> onFirstMessage(
            Supplier<RequestHandler<SQSEvent, SQSBatchResponse>> build) {
        AtomicReference<RequestHandler<SQSEvent, SQSBatchResponse>> built = new AtomicReference<>();
        return (event, context) -> built.updateAndGet(h -> h == null ? build.get() : h).handleRequest(event, context);
    }
}
