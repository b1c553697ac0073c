package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.testbed.FakeSmtpServer;
import dev.mailcheck.testbed.FakeSmtpServer.Script;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replies are tied to commands by order alone, so the channel must notice when order can't be trusted: a
 * reply before its command, one too many after a group, a 3xx to anything but DATA. A 421 ends a group's
 * replies (the server hangs up), and a line with CR, LF or NUL is never sent. The peer is the in-process
 * fake: a real MTA can't be made to send replies nobody asked for.
 */
class CommandChannelTest {

    private static final Duration STAGE = Duration.ofSeconds(5);
    private static final SmtpSettings SETTINGS = SmtpSettings.defaults().withTimeouts(Map.of(Stage.CONNECT, STAGE,
            Stage.GREETING, STAGE, Stage.MAIL, STAGE, Stage.RCPT, STAGE, Stage.DATA, STAGE));

    /** Greets, then answers each command by its verb with {@code reply}, the fake's ordinary reply when it gives null. */
    private static Script greetingThen(String extraAfterGreeting, java.util.function.Function<String, String> reply) {
        return c -> {
            c.send("220 fake\r\n" + extraAfterGreeting);
            c.serve(v -> reply.apply(v) != null ? reply.apply(v) : FakeSmtpServer.ordinary(v));
        };
    }

    /** What one exchange gives: the reply codes in order, or the failure's stage and message. */
    record Scenario(String name, Script script, Stage stage, int commands, List<Integer> codes, String failure) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                new Scenario("one command, its reply", greetingThen("", v -> null), Stage.MAIL, 1, List.of(250), null),
                new Scenario("pipelined RCPTs, each its own reply in order", greetingThen("", v -> null), Stage.RCPT, 3,
                        List.of(250, 250, 250), null),
                new Scenario("a 421 ends the group's replies", c -> {
                    c.send("220 fake\r\n");
                    c.readLine();
                    c.send("550 5.1.1 no\r\n421 4.7.0 closing\r\n");
                }, Stage.RCPT, 3, List.of(550, 421), null),
                new Scenario("a reply before its command", greetingThen("250 early\r\n", v -> null), Stage.MAIL, 1, null,
                        "more replies than commands: a reply came before MAIL"),
                new Scenario("one reply more than the group's commands",
                        greetingThen("", v -> v.equals("RCPT") ? "250 2.1.5 Ok\r\n250 2.1.5 again\r\n" : null), Stage.RCPT, 1,
                        null, "more replies than commands: a reply came after the replies to 1 rcpt command(s)"),
                new Scenario("a 354 to RCPT", greetingThen("", v -> v.equals("RCPT") ? "354 go ahead\r\n" : null),
                        Stage.RCPT, 2, null, "a 354 reply to rcpt, which no command sent waits for"),
                new Scenario("a 354 to DATA is its own", greetingThen("", v -> null), Stage.DATA, 1, List.of(354), null));
    }

    private static String line(Stage stage, int i) {
        return switch (stage) {
            case MAIL -> "MAIL FROM:<probe@x.test>";
            case RCPT -> "RCPT TO:<user" + i + "@x.test>";
            default -> stage.code().toUpperCase(java.util.Locale.ROOT);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void repliesAreMatchedToCommandsByOrderOrTheExchangeEnds(Scenario c) throws Exception {
        try (FakeSmtpServer server = new FakeSmtpServer(c.script());
             CommandChannel channel = new CommandChannel(SETTINGS, null)) {
            channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
            assertEquals(220, channel.read(Stage.GREETING, Log.start()).code());
            List<String> lines = IntStream.range(0, c.commands()).mapToObj(i -> line(c.stage(), i)).toList();
            List<Log> logs = lines.stream().map(l -> Log.start()).toList();
            if (c.failure() == null) {
                List<Reply> replies = channel.pipeline(c.stage(), lines, logs);
                assertEquals(c.codes(), replies.stream().map(Reply::code).toList());
                for (int i = 0; i < replies.size(); i++) {
                    // each address's log holds its own command and its own reply, nobody else's
                    assertEquals("C: " + lines.get(i), logs.get(i).lines().getFirst());
                    assertEquals(List.of(replies.get(i)), logs.get(i).replies());
                }
            } else {
                SessionFailure f = assertThrows(SessionFailure.class, () -> channel.pipeline(c.stage(), lines, logs));
                assertEquals(c.stage(), f.stage);
                assertNull(f.reply);
                assertInstanceOf(ReplyReader.ProtocolException.class, f.getCause());
                assertEquals(c.failure(), f.getCause().getMessage());
                assertTrue(f.transcript.getLast().startsWith("error at " + c.stage().code() + ": ProtocolException "),
                        f.transcript::toString);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"RCPT TO:<a@x.test>\r\nRCPT TO:<b@x.test>", "RCPT TO:<a@x.test>\nDATA",
            "RCPT TO:<a@x.test>\rDATA", "RCPT TO:<a\0@x.test>"})
    void aLineThatWouldSmuggleACommandIsNeverSent(String line) throws Exception {
        try (FakeSmtpServer server = new FakeSmtpServer(greetingThen("", v -> null));
             CommandChannel channel = new CommandChannel(SETTINGS, null)) {
            channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
            channel.read(Stage.GREETING, Log.start());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> channel.pipeline(Stage.RCPT, List.of("RCPT TO:<ok@x.test>", line), List.of(Log.start(), Log.start())));
            assertEquals("refusing to send a RCPT command with CR, LF or NUL", e.getMessage());
            // Not even the clean line before it: the group goes out in one write or not at all.
            assertEquals(List.of("MAIL FROM:<probe@x.test>"), sendAndList(server, channel));
        }
    }

    /** Sends one more command, so that everything the server received has arrived, and lists it. */
    private static List<String> sendAndList(FakeSmtpServer server, CommandChannel channel) throws SessionFailure {
        channel.command(Stage.MAIL, "MAIL FROM:<probe@x.test>", Log.start());
        return server.received();
    }
}
