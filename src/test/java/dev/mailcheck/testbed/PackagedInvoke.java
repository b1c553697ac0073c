package dev.mailcheck.testbed;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the packaged function (target/function.zip, unzipped on the classpath) the way the Lambda
 * Java runtime does: Quarkus' stream handler, the event file as the input stream. The handler is the
 * one QUARKUS_LAMBDA_HANDLER names. Writes the function's output to the file {@code args[1]} (Quarkus logs
 * on standard output).
 */
public final class PackagedInvoke {

    private PackagedInvoke() {
    }

    public static void main(String[] args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            new QuarkusStreamHandler().handleRequest(in, out, new Context() {
                public String getAwsRequestId() {
                    return "packaged-1";
                }

                public String getLogGroupName() {
                    return "/local";
                }

                public String getLogStreamName() {
                    return "local";
                }

                public String getFunctionName() {
                    return "checker";
                }

                public String getFunctionVersion() {
                    return "$LATEST";
                }

                public String getInvokedFunctionArn() {
                    return "arn:aws:lambda:us-east-1:000000000000:function:checker";
                }

                public CognitoIdentity getIdentity() {
                    return null;
                }

                public ClientContext getClientContext() {
                    return null;
                }

                public int getRemainingTimeInMillis() {
                    return 60_000;
                }

                public int getMemoryLimitInMB() {
                    return 512;
                }

                public LambdaLogger getLogger() {
                    return new LambdaLogger() {
                        public void log(String message) {
                            System.err.println(message);
                        }

                        public void log(byte[] message) {
                            System.err.println(new String(message, StandardCharsets.UTF_8));
                        }
                    };
                }
            });
        }
        Files.write(Path.of(args[1]), out.toByteArray());
        System.exit(0);
    }
}
