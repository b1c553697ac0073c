package dev.mailcheck.smtp;

import dev.mailcheck.smtp.SmtpReport.StartTls;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One SMTP connection, driven by one (virtual) thread: connect, greeting, EHLO (HELO as fallback),
 * opportunistic STARTTLS, then commands one at a time. Every command line is checked for characters
 * that would smuggle a second command; every stage runs against a deadline for the whole stage, not per
 * read (see {@link #guarded}), and none outlives the checks waiting for it ({@link #until}). Its API is
 * the few SMTP steps a probe takes; callers read what it heard through copies, never its fields.
 */
final class SmtpSession implements Closeable {

    private static final SSLContext OPPORTUNISTIC_TLS = opportunisticTls();
    /**
     * Closes a socket whose stage has run out of time. A per-read timeout is reset by every byte, so a
     * server that drips one byte a second (in a TLS handshake, say) would hold the session for as long
     * as it liked; closing the socket ends any read or write blocked on it.
     */
    private static final ScheduledThreadPoolExecutor ALARMS = alarms();

    private final String host;
    private final InetAddress address;
    private final SmtpSettings settings;
    private Socket socket;
    private ReplyReader reader;
    private OutputStream out;
    /** The prelude (connect to EHLO), which every address's transcript starts with. */
    private final List<String> transcript = new ArrayList<>();
    private final List<Reply> replies = new ArrayList<>();
    private Set<String> extensions = Set.of();
    private boolean ehloAnswered;
    private StartTls starttls = StartTls.NOT_OFFERED;
    private int transactions;
    /** The latest deadline of the checks this session works for, in nanoTime; null when they have none. */
    private Long until;
    /** Set when an alarm closed the socket: true when nobody waited any more, false at a stage's deadline. */
    private volatile Boolean expired;

    private SmtpSession(String host, InetAddress address, SmtpSettings settings) {
        this.host = host;
        this.address = address;
        this.settings = settings;
    }

    /**
     * A session ready for MAIL FROM, or why there is none.
     *
     * @param until the latest deadline of the checks that wait for it (nanoTime), or null for none
     */
    static SmtpSession open(String host, InetAddress address, SmtpSettings settings, boolean tryTls, Long until)
            throws SessionFailure {
        SmtpSession s = new SmtpSession(host, address, settings);
        s.until = until;
        try {
            s.connect();
            s.greet(tryTls);
            return s;
        } catch (SessionFailure e) {
            s.close();
            throw e;
        }
    }

    /**
     * After a failed TLS handshake: plain SMTP on a new connection (opportunistic TLS), with the failed
     * attempt at the head of the transcript.
     */
    static SmtpSession openPlain(String host, InetAddress address, SmtpSettings settings, SessionFailure tlsFailure,
                                 Long until) throws SessionFailure {
        SmtpSession s = open(host, address, settings, false, until);
        s.starttls = StartTls.FAILED;
        s.transcript.addAll(0, tlsFailure.transcript);
        return s;
    }

    String host() {
        return host;
    }

    InetAddress address() {
        return address;
    }

    /** The server advertised this EHLO keyword (upper case). */
    boolean offers(String keyword) {
        return extensions.contains(keyword);
    }

    StartTls starttls() {
        return starttls;
    }

    /** Whether the server advertised SMTPUTF8; null when no EHLO answer was seen. */
    Boolean smtputf8() {
        return ehloAnswered ? extensions.contains("SMTPUTF8") : null;
    }

    /** A copy of the prelude, which every address's transcript starts with. */
    Log prelude() {
        return new Log(new ArrayList<>(transcript), new ArrayList<>(replies));
    }

    /**
     * The current transaction is not the session's first: the connection sat idle in between, and may
     * have gone stale (a server's idle timeout, a NAT, a frozen Lambda environment).
     */
    boolean reused() {
        return transactions > 1;
    }

    /**
     * The checks waiting for this session now end by {@code until} (nanoTime; null: they have no deadline):
     * once it passes, nobody waits for an answer and the session is closed, freeing its slots.
     */
    void until(Long until) {
        this.until = until;
    }

    /** Starts a transaction. */
    Reply mail(String reversePath, boolean smtpUtf8, Log log) throws SessionFailure {
        transactions++;
        return command(Stage.MAIL, "MAIL FROM:<" + reversePath + ">" + (smtpUtf8 ? " SMTPUTF8" : ""), log);
    }

    Reply rcpt(String address, Log log) throws SessionFailure {
        return command(Stage.RCPT, "RCPT TO:<" + address + ">", log);
    }

    /**
     * RCPTs in one write when there is more than one (RFC 2920 PIPELINING, which the caller has seen
     * advertised), each with its own log. After a 421 the server closes the connection, so the replies
     * end there: fewer replies than addresses.
     */
    List<Reply> rcpts(List<String> addresses, List<Log> logs) throws SessionFailure {
        return pipeline(Stage.RCPT, addresses.stream().map(a -> "RCPT TO:<" + a + ">").toList(), logs);
    }

    /** DATA, and nothing after it: a 354 is followed only by closing the connection (see {@link #close}). */
    Reply data(Log log) throws SessionFailure {
        return command(Stage.DATA, "DATA", log);
    }

    /** Ends the transaction; false when the session cannot go on. */
    boolean rset() {
        try {
            return command(Stage.RSET, "RSET", Log.start()).positive();
        } catch (SessionFailure e) {
            return false;
        }
    }

    private void connect() throws SessionFailure {
        InetSocketAddress target = new InetSocketAddress(address, settings.port());
        transcript.add("connect " + address.getHostAddress() + ":" + settings.port()
                + (settings.socks() != null ? " via SOCKS5 " + settings.socks() : "") + " (" + host + ")");
        try {
            socket = settings.socks() == null ? new Socket() : new Socket(new Proxy(Proxy.Type.SOCKS, settings.socks()));
            socket.setTcpNoDelay(true);
            Socket plain = socket;
            guarded(Stage.CONNECT, () -> {
                plain.connect(target, (int) settings.timeout(Stage.CONNECT).toMillis());
                return null;
            });
            attach(socket);
        } catch (IOException e) {
            throw failure(Stage.CONNECT, null, e);
        }
        Reply greeting = read(Stage.GREETING);
        if (!greeting.positive()) {
            throw failure(Stage.GREETING, greeting, null);
        }
    }

    private void greet(boolean tryTls) throws SessionFailure {
        Reply ehlo = command(Stage.EHLO, "EHLO " + settings.helo(), own());
        if (ehlo.positive()) {
            ehloAnswered = true;
            extensions = keywords(ehlo);
        } else {
            Reply helo = command(Stage.HELO, "HELO " + settings.helo(), own());
            if (!helo.positive()) {
                throw failure(Stage.HELO, helo, null);
            }
            return;
        }
        if (!extensions.contains("STARTTLS")) {
            return;
        }
        if (!tryTls) {
            starttls = StartTls.NOT_USED;
            return;
        }
        Reply go = command(Stage.STARTTLS, "STARTTLS", own());
        if (go.code() != 220) {
            starttls = StartTls.FAILED;
            return;
        }
        try {
            SSLSocket tls = (SSLSocket) OPPORTUNISTIC_TLS.getSocketFactory()
                    .createSocket(socket, host, settings.port(), true);
            guarded(Stage.STARTTLS, () -> {
                tls.startHandshake();
                return null;
            });
            transcript.add("TLS established: " + tls.getSession().getProtocol() + " " + tls.getSession().getCipherSuite());
            attach(tls);
        } catch (IOException e) {
            starttls = StartTls.FAILED;
            throw failure(Stage.STARTTLS, null, e);
        }
        starttls = StartTls.ESTABLISHED;
        Reply again = command(Stage.EHLO, "EHLO " + settings.helo(), own());
        if (!again.positive()) {
            throw failure(Stage.EHLO, again, null);
        }
        extensions = keywords(again);
    }

    /** The prelude's own log: writes go into the session's transcript. */
    private Log own() {
        return new Log(transcript, replies);
    }

    /** Sends one command line and reads its reply, logging both. */
    private Reply command(Stage stage, String line, Log log) throws SessionFailure {
        return pipeline(stage, List.of(line), List.of(log)).getFirst();
    }

    /** Sends command lines in one write and reads their replies in order, each command and reply to its own log. */
    private List<Reply> pipeline(Stage stage, List<String> lines, List<Log> logs) throws SessionFailure {
        long deadline = System.nanoTime() + settings.timeout(stage).toNanos();
        try {
            // Replies are matched to commands by their order alone: one that came before its command would
            // be read as the next command's, and every later reply credited to the wrong address.
            unsolicited(stage, deadline, "before " + lines.getFirst().split("[ :]", 2)[0]);
        } catch (IOException e) {
            throw failure(stage, null, e, logs.getFirst());
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
            guarded(stage, deadline, () -> {
                out.write(wire.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                return null;
            });
        } catch (IOException e) {
            throw failure(stage, null, e, logs.getFirst());
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
                throw failure(stage, null, new ReplyReader.ProtocolException("a " + r.code() + " reply to "
                        + stage.code() + ", which no command sent waits for"), log);
            }
        }
        try {
            unsolicited(stage, deadline, "after the replies to " + lines.size() + " " + stage.code() + " command(s)");
        } catch (IOException e) {
            throw failure(stage, null, e, logs.getLast());
        }
        return read;
    }

    /** A reply already waiting where none is due: the server sent more replies than commands. */
    private void unsolicited(Stage stage, long deadline, String where) throws IOException {
        // Guarded too: on a socket an alarm has just closed, this is where the session learns of it.
        if (guarded(stage, deadline, reader::waiting) > 0) {
            throw new ReplyReader.ProtocolException("more replies than commands: a reply came " + where);
        }
    }

    private Reply read(Stage stage) throws SessionFailure {
        return read(stage, System.nanoTime() + settings.timeout(stage).toNanos(), own());
    }

    private Reply read(Stage stage, long deadline, Log log) throws SessionFailure {
        try {
            Reply r = guarded(stage, deadline, () -> reader.read(stage, deadline));
            for (String text : r.text().split("\n", -1)) {
                log.lines().add("S: " + r.code() + " " + text);
            }
            log.replies().add(r);
            return r;
        } catch (IOException e) {
            throw failure(stage, null, e, log);
        }
    }

    /** The session was closed because every check waiting for it had reached its deadline. */
    static final class Abandoned extends java.net.SocketTimeoutException {
        Abandoned(String message) {
            super(message);
        }
    }

    private interface Io<T> {
        T run() throws IOException;
    }

    private <T> T guarded(Stage stage, Io<T> io) throws IOException {
        return guarded(stage, System.nanoTime() + settings.timeout(stage).toNanos(), io);
    }

    /**
     * Runs {@code io} with the socket closed at {@code deadline}, or earlier at {@link #until} when nobody
     * waits for the session any more. What that close interrupts ends as a {@link ReplyReader.DeadlineException}
     * saying which limit it was.
     */
    private <T> T guarded(Stage stage, long deadline, Io<T> io) throws IOException {
        Long budget = until;
        boolean budgetFirst = budget != null && budget - deadline < 0;
        long end = budgetFirst ? budget : deadline;
        Socket s = socket;
        ScheduledFuture<?> alarm = ALARMS.schedule(() -> expire(s, budgetFirst), Math.max(0, end - System.nanoTime()),
                TimeUnit.NANOSECONDS);
        try {
            return io.run();
        } catch (IOException e) {
            Boolean abandoned = expired;
            if (abandoned == null || e instanceof ReplyReader.ProtocolException) {
                throw e;
            }
            throw abandoned ? new Abandoned("the checks waiting for this session reached their deadline")
                    : new ReplyReader.DeadlineException("no end to " + stage.code() + " within its "
                    + settings.timeout(stage).toMillis() + " ms");
        } finally {
            alarm.cancel(false);
        }
    }

    private void expire(Socket s, boolean abandoned) {
        expired = abandoned;
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Ends the session politely when it is still usable; closing the socket is what matters. */
    void quit() {
        if (socket != null && !socket.isClosed()) {
            try {
                command(Stage.QUIT, "QUIT", Log.start());
            } catch (SessionFailure | RuntimeException e) {
                // the server hung up first: nothing to do
            }
        }
        close();
    }

    /**
     * Drops the connection without another byte. After a 354 this is the only safe way out: anything
     * sent would be message data, and a lone "." would commit a message.
     */
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

    private static ScheduledThreadPoolExecutor alarms() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("smtp-stage-deadlines").factory());
        e.setRemoveOnCancelPolicy(true); // most alarms are cancelled: they must not pile up until they are due
        return e;
    }

    private SessionFailure failure(Stage stage, Reply reply, Throwable cause) {
        return failure(stage, reply, cause, own());
    }

    private static SessionFailure failure(Stage stage, Reply reply, Throwable cause, Log log) {
        if (cause != null) {
            log.lines().add("error at " + stage.code() + ": " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " " + cause.getMessage()));
        }
        return new SessionFailure(stage, reply, cause, log.lines(), log.replies());
    }

    private static Set<String> keywords(Reply ehlo) {
        Set<String> k = new HashSet<>();
        String[] lines = ehlo.text().split("\n");
        for (int i = 1; i < lines.length; i++) {
            String word = lines[i].strip().split("[ =]", 2)[0];
            k.add(word.toUpperCase(Locale.ROOT));
        }
        return Set.copyOf(k);
    }

    /**
     * Opportunistic TLS (RFC 7435): encryption against passive listeners, no authentication. A probe
     * sends no secret, and most MX certificates would not match the MX name anyway.
     */
    private static SSLContext opportunisticTls() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
