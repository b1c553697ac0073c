package dev.mailcheck.testbed;

import dev.mailcheck.cli.LocalContext;
import io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs the packaged function (target/function.zip, unzipped on the classpath) the way the Lambda
 * Java runtime does: Quarkus' stream handler, the event file as the input stream. The handler is the
 * one QUARKUS_LAMBDA_HANDLER names. Writes the function's output to the file {@code args[1]} (Quarkus logs
 * on standard output), and to standard error the wall-clock times (epoch ms) at which Lambda's INIT phase
 * ended (the handler constructed: what SnapStart snapshots) and at which the event was handled, from which
 * the benchmark takes the cold start and the part of it a restored snapshot still pays. Named with
 * {@code -Dorg.crac.Core.Compat=dev.mailcheck.testbed.snapstart}, it then runs the hooks SnapStart runs around
 * its snapshot ({@link dev.mailcheck.testbed.snapstart.Core}) and also writes when they were done
 * ({@code restored-at-ms}). Each time comes with the process's CPU time so far ({@code ...-cpu-ms}).
 */
public final class PackagedInvoke {

    private PackagedInvoke() {
    }

    public static void main(String[] args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        QuarkusStreamHandler handler = new QuarkusStreamHandler();
        mark("initialized");
        if (System.getProperty("org.crac.Core.Compat") != null) {
            org.crac.Core.checkpointRestore();
            mark("restored");
        }
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            handler.handleRequest(in, out, new LocalContext("checker"));
        }
        mark("handled");
        Files.write(Path.of(args[1]), out.toByteArray());
        System.exit(0);
    }

    private static void mark(String what) {
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1_000_000;
        System.err.println(what + "-at-ms " + System.currentTimeMillis() + "\n" + what + "-cpu-ms " + cpu);
    }
}
