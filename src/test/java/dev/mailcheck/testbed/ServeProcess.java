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
import java.util.List;

/**
 * {@code checker serve} as a process, on 127.0.0.1 and a port it picks, resolving with the shared NSD (never
 * the machine's resolver). Stops with {@link #close()}.
 */
public final class ServeProcess implements AutoCloseable {

    private final Process process;
    private final URI base;

    private ServeProcess(Process process, URI base) {
        this.process = process;
        this.base = base;
    }

    /** @param options more options of {@code serve}, e.g. {@code --cors-origin ORIGIN} */
    public static ServeProcess start(String... options) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--port", "0",
                "--dns", Nsd.shared().hostPort(), "--allow-private-mx"));
        command.addAll(List.of(options));
        try {
            Path log = Files.createTempFile("serve-", ".log");
            Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("serving on http://127.0.0.1:")) {
                p.destroy();
                throw new IllegalStateException("serve said " + line + "; its log: " + Files.readString(log));
            }
            return new ServeProcess(p, URI.create(line.substring("serving on ".length())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
    public URI base() {
        return base;
    }

    public URI resolve(String pathAndQuery) {
        return base.resolve(pathAndQuery);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
