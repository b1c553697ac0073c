package dev.mailcheck.smtp;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;

/**
 * The wire of one SMTP connection: command lines out, replies back matched to them by order alone, each
 * stage against its deadline ({@link StageDeadlines}). Because order is all that ties a reply to its
 * command, this is where a reply that no command waits for, or a line that would smuggle a second command,
 * ends the conversation. It knows no SMTP step; {@link SmtpSession} says which lines to send and why.
 */
final class CommandChannel implements Closeable {

    private final SmtpSettings settings;
    private final StageDeadlines deadlines;
    private Socket socket;
    private ReplyReader reader;
    private OutputStream out;

    CommandChannel(SmtpSettings settings, Long until) {
        this.settings = settings;
        this.deadlines = new StageDeadlines(settings, until);
    }

    /** See {@link StageDeadlines#until}. */
    void until(Long until) {
        deadlines.until(until);
    }

    /** Connects to {@code target}, through the SOCKS5 proxy when the settings name one, within CONNECT's deadline. */
    void connect(InetSocketAddress target) throws IOException {
        socket = settings.socks() == null ? new Socket() : new Socket(new Proxy(Proxy.Type.SOCKS, settings.socks()));
        socket.setTcpNoDelay(true);
        Socket plain = socket;
        deadlines.guard(plain, Stage.CONNECT, deadlines.deadline(Stage.CONNECT), () -> {
            plain.connect(target, (int) settings.timeout(Stage.CONNECT).toMillis());
            return null;
        });
        attach(plain);
    }

    /**
     * After the server's 220 to STARTTLS: TLS over this connection, its handshake within STARTTLS's deadline.
     * Returns the protocol and cipher suite agreed.
     */
    String startTls(String host) throws IOException {
        SSLSocket tls = OpportunisticTls.over(socket, host, settings.port());
        deadlines.guard(socket, Stage.STARTTLS, deadlines.deadline(Stage.STARTTLS), () -> {
            tls.startHandshake();
            return null;
        });
        attach(tls);
        return tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite();
    }

    /** A reply no command asked for (the greeting), logged in {@code log}. */
    Reply read(Stage stage, Log log) throws SessionFailure {
        return read(stage, deadlines.deadline(stage), log);
    }

    /** Sends one command line and reads its reply, logging both. */
    Reply command(Stage stage, String line, Log log) throws SessionFailure {
        return pipeline(stage, List.of(line), List.of(log)).getFirst();
    }

    /**
     * Sends command lines in one write and reads their replies in order, each command and reply to its own
     * log. After a 421 the server closes the connection, so the replies end there: fewer replies than lines.
     */
    List<Reply> pipeline(Stage stage, List<String> lines, List<Log> logs) throws SessionFailure {
        long deadline = deadlines.deadline(stage);
        try {
            // Replies are matched to commands by their order alone: one that came before its command would
            // be read as the next command's, and every later reply credited to the wrong address.
            unsolicited(stage, deadline, "before " + lines.getFirst().split("[ :]", 2)[0]);
        } catch (IOException e) {
            throw SessionFailure.logged(stage, null, e, logs.getFirst());
        }
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                // Only the verb: the rest would put an address in a stack trace on standard error.
                throw new IllegalArgumentException("refusing to send a " + line.split("[ :\r\n\0]", 2)[0]
                        + " command with CR, LF or NUL");
            }
            logs.get(i).lines().add("C: " + line);
            wire.append(line).append("\r\n");
        }
        try {
            deadlines.guard(socket, stage, deadline, () -> {
                out.write(wire.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                return null;
            });
        } catch (IOException e) {
            throw SessionFailure.logged(stage, null, e, logs.getFirst());
        }
        List<Reply> read = new ArrayList<>();
        for (Log log : logs) {
            Reply r = read(stage, deadline, log);
            read.add(r);
            if (r.code() == 421) {
                return read; // the server closes the connection after 421 (RFC 5321 §3.8): no more replies come
            }
            if (r.code() / 100 == 3 && stage != Stage.DATA) {
                // Only DATA is answered with 3xx (RFC 5321 §4.3.2): this one belongs to no command here.
                throw SessionFailure.logged(stage, null, new ReplyReader.ProtocolException("a " + r.code()
                        + " reply to " + stage.code() + ", which no command sent waits for"), log);
            }
        }
        try {
            unsolicited(stage, deadline, "after the replies to " + lines.size() + " " + stage.code() + " command(s)");
        } catch (IOException e) {
            throw SessionFailure.logged(stage, null, e, logs.getLast());
        }
        return read;
    }

    /** A reply already waiting where none is due: the server sent more replies than commands. */
    private void unsolicited(Stage stage, long deadline, String where) throws IOException {
        // Guarded too: on a socket an alarm has just closed, this is where the session learns of it.
        if (deadlines.guard(socket, stage, deadline, reader::waiting) > 0) {
            throw new ReplyReader.ProtocolException("more replies than commands: a reply came " + where);
        }
    }

    private Reply read(Stage stage, long deadline, Log log) throws SessionFailure {
        try {
            Reply r = deadlines.guard(socket, stage, deadline, () -> reader.read(stage, deadline));
            for (String text : r.text().split("\n", -1)) {
                log.lines().add("S: " + r.code() + " " + text);
            }
            log.replies().add(r);
            return r;
        } catch (IOException e) {
            throw SessionFailure.logged(stage, null, e, log);
        }
    }

    /** Still connected, as far as this end knows: worth a polite QUIT. */
    boolean isOpen() {
        return socket != null && !socket.isClosed();
    }

    /** Drops the connection without another byte. */
    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        out = new BufferedOutputStream(s.getOutputStream());
        reader = new ReplyReader(new BufferedInputStream(s.getInputStream()), deadline -> {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new ReplyReader.DeadlineException("no complete reply within the stage's time");
            }
            s.setSoTimeout((int) Math.max(1, left / 1_000_000));
        });
    }
}
