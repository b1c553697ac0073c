package dev.mailcheck.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real SOCKS5 proxy (Debian's Dante) on a free loopback port, which relays only to loopback
 * addresses: the stand-in for the proxy a Lambda function would use to reach port 25.
 */
public final class Dante implements AutoCloseable {

    private static final Path DANTED = Path.of("/usr/sbin/danted");

    private final Process process;
    private final Path dir;
    private final int port;

    private Dante(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    public static Dante start() {
        if (!Files.isExecutable(DANTED)) {
            throw new IllegalStateException("Dante is not installed (" + DANTED + "): run scripts/test.sh");
        }
        try {
            Path dir = Files.createTempDirectory("dante-");
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Files.writeString(dir.resolve("danted.conf"), String.join("\n",
                    "logoutput: " + dir.resolve("danted.log"),
                    "internal: 127.0.0.1 port = " + port,
                    "external: 127.0.0.1",
                    "clientmethod: none",
                    "socksmethod: none",
                    "user.privileged: root",
                    "user.unprivileged: nobody",
                    "client pass {", "  from: 127.0.0.0/8 to: 0.0.0.0/0", "}",
                    "socks pass {", "  from: 127.0.0.0/8 to: 127.0.0.0/8", "  command: connect", "  log: connect disconnect", "}",
                    "socks block {", "  from: 0.0.0.0/0 to: 0.0.0.0/0", "  log: connect error", "}",
                    ""));
            Process p = new ProcessBuilder(DANTED.toString(), "-f", dir.resolve("danted.conf").toString(), "-N", "1",
                    "-p", dir.resolve("danted.pid").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("danted.out").toFile()).start();
            Dante d = new Dante(p, dir, port);
            d.awaitListening();
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Dante", e);
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public String log() {
        try {
            Path log = dir.resolve("danted.log");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(address(), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IOException("Dante did not start: " + Files.readString(dir.resolve("danted.out")), e);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    @Override
    public void close() {
        process.destroy();
    }
}
