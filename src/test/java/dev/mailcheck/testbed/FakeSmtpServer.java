package dev.mailcheck.testbed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process fake SMTP server, only for faults a real MTA cannot be made to produce on demand:
 * tarpits, silence, garbage, dropped connections, odd replies. Each connection runs the script;
 * every line the client sent is kept, so tests can prove what was (and was not) sent.
 */
public final class FakeSmtpServer implements AutoCloseable {

    /** What the server does with one connection. */
    @FunctionalInterface
    public interface Script {
        void run(Conversation c) throws IOException, InterruptedException;
    }

    public final class Conversation {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;

        Conversation(Socket s) throws IOException {
            socket = s;
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out = s.getOutputStream();
        }

        /** Drops the connection with a TCP reset (RST), as a crashing server or a middlebox does. */
        public void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** The client's next line, or null when it has closed the connection. */
        public String readLine() throws IOException {
            String line = in.readLine();
            if (line != null) {
                received.add(line);
            }
            return line;
        }

        /**
         * The client's next byte as it arrives, or -1 when it has closed the connection: after a STARTTLS reply, a
         * TLS client's first byte is 0x16 (a handshake record), proof that it has started its handshake.
         */
        public int read() throws IOException {
            return in.read();
        }

        public void send(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Answers commands by their verb until the client leaves: {@code replies} maps verb to raw reply. */
        public void serve(java.util.function.Function<String, String> replies) throws IOException {
            String line;
            while ((line = readLine()) != null) {
                String verb = line.split("[ :]", 2)[0].toUpperCase(java.util.Locale.ROOT);
                String reply = replies.apply(verb);
                if (reply == null) {
                    return; // hang up
                }
                send(reply);
                if (verb.equals("QUIT")) {
                    return;
                }
            }
        }
    }

    /** A plain, well-behaved server's replies, for scripts to vary one at a time. */
    public static String ordinary(String verb) {
        return switch (verb) {
            case "EHLO" -> "250-fake.test\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n";
            case "HELO" -> "250 fake.test\r\n";
            case "MAIL", "RSET" -> "250 2.1.0 Ok\r\n";
            case "RCPT" -> "250 2.1.5 Ok\r\n";
            case "DATA" -> "354 End data with <CR><LF>.<CR><LF>\r\n";
            case "QUIT" -> "221 2.0.0 Bye\r\n";
            default -> "502 5.5.2 Command not recognised\r\n";
        };
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> received = Collections.synchronizedList(new ArrayList<>());

    public FakeSmtpServer(Script script) {
        this(InetAddress.getLoopbackAddress(), 0, script);
    }

    /**
     * On another loopback address (127.0.0.2, …) and a given port: the probe dials every MX host on one
     * port, so a second host is the same port on another address. Throws if the port is taken there.
     */
    public FakeSmtpServer(InetAddress bind, int port, Script script) {
        try {
            server = new ServerSocket(port, 200, bind);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
                    threads.execute(() -> {
                        try (s) {
                            script.run(new Conversation(s));
                        } catch (IOException | InterruptedException e) {
                            // the client went away: that is what many tests want
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    /** Every line the clients sent, in order. */
    public List<String> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        threads.shutdownNow();
    }
}
