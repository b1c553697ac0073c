package dev.mailcheck.smtp;

import java.util.List;

/**
 * A session that could not go on: the server refused at {@code stage} ({@code reply} set), or the
 * connection failed there ({@code getCause()} set, no reply).
 */
final class SessionFailure extends Exception {

    final Stage stage;
    final Reply reply;
    final transient List<String> transcript;
    final transient List<Reply> replies;

    SessionFailure(Stage stage, Reply reply, Throwable cause, List<String> transcript, List<Reply> replies) {
        super(stage.code() + ": " + (reply != null ? reply : cause), cause, false, false);
        this.stage = stage;
        this.reply = reply;
        this.transcript = List.copyOf(transcript);
        this.replies = List.copyOf(replies);
    }

    /** The failure at {@code stage} after what {@code log} holds, the cause's own line added to it first. */
    static SessionFailure logged(Stage stage, Reply reply, Throwable cause, Log log) {
        if (cause != null) {
            log.lines().add("error at " + stage.code() + ": " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " " + cause.getMessage()));
        }
        return new SessionFailure(stage, reply, cause, log.lines(), log.replies());
    }

    /** Closed because nobody waited for the session any more: says nothing about the host. */
    boolean abandoned() {
        return getCause() instanceof StageDeadlines.Abandoned;
    }

    /** Nobody answered: the connection failed, or no greeting came in time (as opposed to garbage). */
    boolean unreachable() {
        return reply == null && (stage == Stage.CONNECT || stage == Stage.GREETING)
                && !(getCause() instanceof ReplyReader.ProtocolException);
    }
}
