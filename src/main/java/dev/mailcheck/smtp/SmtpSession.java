package dev.mailcheck.smtp;

import dev.mailcheck.smtp.SmtpReport.StartTls;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One SMTP connection, driven by one (virtual) thread: connect, greeting, EHLO (HELO as fallback),
 * opportunistic STARTTLS ({@link OpportunisticTls}), then commands one at a time, and what the server
 * said about itself. The lines go over a {@link CommandChannel}, which refuses a line that would smuggle a
 * second command and a reply that no command waits for; every stage runs against a deadline for the whole
 * stage, not per read, and none outlives the checks waiting for it ({@link #until}; both in
 * {@link StageDeadlines}). Its API is the few SMTP steps a probe takes; callers read what it heard through
 * copies, never its fields.
 */
final class SmtpSession implements Closeable {

    private final String host;
    private final InetAddress address;
    private final SmtpSettings settings;
    private final CommandChannel channel;
    /** The prelude (connect to EHLO), which every address's transcript starts with. */
    private final List<String> transcript = new ArrayList<>();
    private final List<Reply> replies = new ArrayList<>();
    private Set<String> extensions = Set.of();
    private boolean ehloAnswered;
    private StartTls starttls = StartTls.NOT_OFFERED;
    private int transactions;

    private SmtpSession(String host, InetAddress address, SmtpSettings settings, Long until) {
        this.host = host;
        this.address = address;
        this.settings = settings;
        this.channel = new CommandChannel(settings, until);
    }

    /**
     * A session ready for MAIL FROM, or why there is none.
     *
     * @param until the latest deadline of the checks that wait for it (nanoTime), or null for none
     */
    static SmtpSession open(String host, InetAddress address, SmtpSettings settings, boolean tryTls, Long until)
            throws SessionFailure {
        SmtpSession s = new SmtpSession(host, address, settings, until);
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
        channel.until(until);
    }

    /** Starts a transaction. */
    Reply mail(String reversePath, boolean smtpUtf8, Log log) throws SessionFailure {
        transactions++;
        return channel.command(Stage.MAIL, "MAIL FROM:<" + reversePath + ">" + (smtpUtf8 ? " SMTPUTF8" : ""), log);
    }

    Reply rcpt(String address, Log log) throws SessionFailure {
        return channel.command(Stage.RCPT, "RCPT TO:<" + address + ">", log);
    }

    /**
     * RCPTs in one write when there is more than one (RFC 2920 PIPELINING, which the caller has seen
     * advertised), each with its own log. After a 421 the server closes the connection, so the replies
     * end there: fewer replies than addresses.
     */
    List<Reply> rcpts(List<String> addresses, List<Log> logs) throws SessionFailure {
        return channel.pipeline(Stage.RCPT, addresses.stream().map(a -> "RCPT TO:<" + a + ">").toList(), logs);
    }

    /** DATA, and nothing after it: a 354 is followed only by closing the connection (see {@link #close}). */
    Reply data(Log log) throws SessionFailure {
        return channel.command(Stage.DATA, "DATA", log);
    }

    /** Ends the transaction; false when the session cannot go on. */
    boolean rset() {
        try {
            return channel.command(Stage.RSET, "RSET", Log.start()).positive();
        } catch (SessionFailure e) {
            return false;
        }
    }

    private void connect() throws SessionFailure {
        transcript.add("connect " + address.getHostAddress() + ":" + settings.port()
                + (settings.socks() != null ? " via SOCKS5 " + settings.socks() : "") + " (" + host + ")");
        try {
            channel.connect(new InetSocketAddress(address, settings.port()));
        } catch (IOException e) {
            throw failure(Stage.CONNECT, null, e);
        }
        Reply greeting = channel.read(Stage.GREETING, own());
        if (!greeting.positive()) {
            throw failure(Stage.GREETING, greeting, null);
        }
    }

    private void greet(boolean tryTls) throws SessionFailure {
        Reply ehlo = channel.command(Stage.EHLO, "EHLO " + settings.helo(), own());
        if (ehlo.positive()) {
            ehloAnswered = true;
            extensions = keywords(ehlo);
        } else if (ehlo.code() < 500 || ehlo.code() > 504) {
            // A refusal, not a command the server does not know (500-504, RFC 5321 §4.1.4): HELO would knock once more,
            // and a server that hangs up after it hid the refusal from the block breaker (found by a review).
            throw failure(Stage.EHLO, ehlo, null);
        } else {
            Reply helo = channel.command(Stage.HELO, "HELO " + settings.helo(), own());
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
        Reply go = channel.command(Stage.STARTTLS, "STARTTLS", own());
        if (go.code() != 220) {
            starttls = StartTls.FAILED;
            return;
        }
        try {
            transcript.add("TLS established: " + channel.startTls(host));
        } catch (IOException e) {
            starttls = StartTls.FAILED;
            throw failure(Stage.STARTTLS, null, e);
        }
        starttls = StartTls.ESTABLISHED;
        Reply again = channel.command(Stage.EHLO, "EHLO " + settings.helo(), own());
        if (!again.positive()) {
            throw failure(Stage.EHLO, again, null);
        }
        extensions = keywords(again);
    }

    /** The prelude's own log: writes go into the session's transcript. */
    private Log own() {
        return new Log(transcript, replies);
    }

    /** Ends the session politely when it is still usable; closing the socket is what matters. */
    void quit() {
        if (channel.isOpen()) {
            try {
                channel.command(Stage.QUIT, "QUIT", Log.start());
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
        channel.close();
    }

    private SessionFailure failure(Stage stage, Reply reply, Throwable cause) {
        return SessionFailure.logged(stage, reply, cause, own());
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
}
