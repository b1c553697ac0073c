package dev.mailcheck.testbed;

import dev.mailcheck.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code checker serve} as a process, on 127.0.0.1 and a port it picks, resolving with the shared NSD (never
 * the machine's resolver). Stops with {@link #close()}.
 */
public final class ServeProcess implements AutoCloseable {

    private final Process process;
    private final URI base;
    /** The data directory made for this process alone, erased when it stops; null when the caller gave one. */
    private final Path ownData;

    private ServeProcess(Process process, URI base, Path ownData) {
        this.process = process;
        this.base = base;
        this.ownData = ownData;
    }

    /** What a {@code serve} that ended said on standard error, and its exit code. */
    public record Ended(int exitCode, String stderr) {
    }

    /** @param options more options of {@code serve}, e.g. {@code --cors-origin ORIGIN} */
    public static ServeProcess start(String... options) {
        return start(Map.of(), options);
    }

    /** @param environment variables set for the process, e.g. TABLE_NAME and moto's */
    public static ServeProcess start(Map<String, String> environment, String... options) {
        try {
            Path log = Files.createTempFile("serve-", ".log");
            Path ownData = List.of(options).contains("--data-dir") ? null : Files.createTempDirectory("serve-data-");
            ProcessBuilder pb = new ProcessBuilder(command(ownData, options)).redirectError(log.toFile());
            pb.environment().putAll(environment);
            Process p = pb.start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("serving on http://127.0.0.1:")) {
                p.destroy();
                throw new IllegalStateException("serve said " + line + "; its log: " + Files.readString(log));
            }
            return new ServeProcess(p, URI.create(line.substring("serving on ".length())), ownData);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a {@code serve} that is expected to end by itself (e.g. it cannot listen), for at most a minute. */
    public static Ended runToExit(String... options) {
        Path ownData = null;
        try {
            Path log = Files.createTempFile("serve-", ".log");
            ownData = List.of(options).contains("--data-dir") ? null : Files.createTempDirectory("serve-data-");
            Process p = new ProcessBuilder(command(ownData, options)).redirectError(log.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("serve did not end; its log: " + Files.readString(log));
            }
            return new Ended(p.exitValue(), Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            erase(ownData);
        }
    }

    /** Erases a data directory made for one process (null: none). */
    private static void erase(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As the checker launcher runs it: the JVM exits on OutOfMemoryError, and Netty's use of Unsafe is allowed quietly. */
    private static List<String> command(Path ownData, String... options) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+ExitOnOutOfMemoryError"));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--dns",
                Nsd.shared().hostPort(), "--allow-private-mx"));
        if (!List.of(options).contains("--port")) {
            command.addAll(List.of("--port", "0"));
        }
        if (ownData != null) {
            command.addAll(List.of("--data-dir", ownData.toString())); // never the user's cache directory
        }
        command.addAll(List.of(options));
        return command;
    }

    /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
    public URI base() {
        return base;
    }

    public URI resolve(String pathAndQuery) {
        return base.resolve(pathAndQuery);
    }

    /** Ends the process with SIGKILL, as a crash or the OOM killer would: nothing of it runs afterwards. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
        erase(ownData);
    }
}
