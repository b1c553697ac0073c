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
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One SMTP connection, driven by one (virtual) thread: connect, greeting, EHLO (HELO as fallback),
 * opportunistic STARTTLS, then commands one at a time. Every command line is checked for characters
 * that would smuggle a second command; every read runs against the stage's deadline. Its API is the
 * few SMTP steps a probe takes; callers read what it heard through copies, never its fields.
 */
final class SmtpSession implements Closeable {

    private static final SSLContext OPPORTUNISTIC_TLS = opportunisticTls();

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

    private SmtpSession(String host, InetAddress address, SmtpSettings settings) {
        this.host = host;
        this.address = address;
        this.settings = settings;
    }

    /** A session ready for MAIL FROM, or why there is none. */
    static SmtpSession open(String host, InetAddress address, SmtpSettings settings, boolean tryTls)
            throws SessionFailure {
        SmtpSession s = new SmtpSession(host, address, settings);
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
    static SmtpSession openPlain(String host, InetAddress address, SmtpSettings settings, SessionFailure tlsFailure)
            throws SessionFailure {
        SmtpSession s = open(host, address, settings, false);
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
            socket.connect(target, (int) settings.timeout(Stage.CONNECT).toMillis());
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
            tls.setSoTimeout((int) settings.timeout(Stage.STARTTLS).toMillis());
            tls.startHandshake();
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
            out.write(wire.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw failure(stage, null, e, logs.getFirst());
        }
        List<Reply> read = new ArrayList<>();
        for (Log log : logs) {
            Reply r = read(stage, log);
            read.add(r);
            if (r.code() == 421) {
                break; // the server closes the connection after 421 (RFC 5321 §3.8): no more replies come
            }
        }
        return read;
    }

    private Reply read(Stage stage) throws SessionFailure {
        return read(stage, own());
    }

    private Reply read(Stage stage, Log log) throws SessionFailure {
        try {
            Reply r = reader.read(stage, System.nanoTime() + settings.timeout(stage).toNanos());
            for (String text : r.text().split("\n", -1)) {
                log.lines().add("S: " + r.code() + " " + text);
            }
            log.replies().add(r);
            return r;
        } catch (IOException e) {
            throw failure(stage, null, e, log);
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
