package dev.mailcheck.smtp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SMTP replies strictly and within a deadline: every line "NNN-text" or "NNN text", one code for
 * all lines, bounded line length and line count. A server that trickles bytes (a tarpit) cannot stretch
 * a read past the deadline, and garbage is a {@link ProtocolException}, never a guess.
 */
final class ReplyReader {

    /** RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real servers stay far below this. */
    static final int MAX_LINE = 2048;
    static final int MAX_LINES = 100;

    /** The server broke the protocol: a malformed, over-long or inconsistent reply. */
    static final class ProtocolException extends IOException {
        ProtocolException(String message) {
            super(message);
        }
    }

    /** The stage's time ran out while the server was still (slowly) answering, or not at all. */
    static final class DeadlineException extends SocketTimeoutException {
        DeadlineException(String message) {
            super(message);
        }
    }

    interface Clock {
        /** Sets the socket's read timeout to what is left, or throws when nothing is. */
        void beforeRead(long deadlineNanos) throws IOException;
    }

    private final InputStream in;
    private final Clock clock;

    ReplyReader(InputStream in, Clock clock) {
        this.in = in;
        this.clock = clock;
    }

    Reply read(Stage stage, long deadlineNanos) throws IOException {
        List<String> texts = new ArrayList<>();
        int code = -1;
        String enhanced = null;
        while (true) {
            String line = readLine(deadlineNanos, !texts.isEmpty());
            if (line.length() < 3 || !isDigits(line.substring(0, 3))
                    || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                throw new ProtocolException("malformed reply line: " + printable(line));
            }
            int lineCode = Integer.parseInt(line.substring(0, 3));
            if (lineCode < 200 || lineCode > 599) {
                throw new ProtocolException("reply code out of range: " + printable(line));
            }
            if (code == -1) {
                code = lineCode;
                enhanced = Reply.enhancedOf(code, line.length() > 4 ? line.substring(4) : "");
            } else if (code != lineCode) {
                throw new ProtocolException("reply lines with different codes: " + code + " then " + lineCode);
            }
            texts.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(stage, code, enhanced, String.join("\n", texts));
            }
            if (texts.size() >= MAX_LINES) {
                throw new ProtocolException("reply longer than " + MAX_LINES + " lines");
            }
        }
    }

    /** Bytes received and not read yet, without waiting for more. */
    int waiting() throws IOException {
        return in.available();
    }

    private String readLine(long deadlineNanos, boolean midReply) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            clock.beforeRead(deadlineNanos);
            int b = in.read();
            if (b == -1) {
                throw new ProtocolException(line.size() == 0 && !midReply ? "connection closed by the server"
                        : "connection closed in mid-reply: " + printable(line.toString(StandardCharsets.UTF_8)));
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_LINE) {
                throw new ProtocolException("reply line longer than " + MAX_LINE + " octets");
            }
            line.write(b);
        }
    }

    private static boolean isDigits(String s) {
        return s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
