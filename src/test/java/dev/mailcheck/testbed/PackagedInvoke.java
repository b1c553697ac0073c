package dev.mailcheck.testbed;

import dev.mailcheck.cli.LocalContext;
import io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the packaged function (target/function.zip, unzipped on the classpath) the way the Lambda
 * Java runtime does: Quarkus' stream handler, the event file as the input stream. The handler is the
 * one QUARKUS_LAMBDA_HANDLER names. Writes the function's output to the file {@code args[1]} (Quarkus logs
 * on standard output), and to standard error the wall-clock times (epoch ms) at which Lambda's INIT phase
 * ended (the handler constructed: what SnapStart snapshots) and at which the event was handled, from which
 * the benchmark takes the cold start and the part of it a restored snapshot still pays.
 */
public final class PackagedInvoke {

    private PackagedInvoke() {
    }

    public static void main(String[] args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QuarkusStreamHandler handler = new QuarkusStreamHandler();
        System.err.println("initialized-at-ms " + System.currentTimeMillis());
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            handler.handleRequest(in, out, new LocalContext("checker"));
        }
        System.err.println("handled-at-ms " + System.currentTimeMillis());
        Files.write(Path.of(args[1]), out.toByteArray());
        System.exit(0);
    }
}
