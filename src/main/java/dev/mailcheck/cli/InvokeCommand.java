package dev.mailcheck.cli;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.S3Event;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import dev.mailcheck.aws.ApiHandler;
import dev.mailcheck.aws.FailureHandler;
import dev.mailcheck.aws.S3UploadHandler;
import dev.mailcheck.aws.SqsChunkHandler;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "invoke", mixinStandardHelpOptions = true,
        description = {"Runs one Lambda handler on an event file, as Lambda would, without Docker.",
                "The handler reads its configuration from the environment (TABLE_NAME, DNS_SERVERS, ...) and"
                        + " reaches AWS, or the stand-in that AWS_ENDPOINT_URL names."})
final class InvokeCommand implements Callable<Integer> {

    /** The functions infra/template.yaml deploys, by the name used here. */
    enum Function {
        API(APIGatewayV2HTTPEvent.class, ApiHandler::new),
        S3(S3Event.class, S3UploadHandler::new),
        SQS(SQSEvent.class, SqsChunkHandler::new),
        FAILURES(SQSEvent.class, FailureHandler::new);

        final Class<?> event;
        final Supplier<RequestHandler<?, ?>> handler;

        Function(Class<?> event, Supplier<RequestHandler<?, ?>> handler) {
            this.event = event;
            this.handler = handler;
        }
    }

    @Parameters(index = "0", paramLabel = "FUNCTION", description = "Which handler: ${COMPLETION-CANDIDATES}.")
    Function function;

    @Parameters(index = "1", paramLabel = "EVENT.json", description = "The event, as Lambda would deliver it (see events/).")
    Path event;

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Integer call() throws Exception {
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
}
