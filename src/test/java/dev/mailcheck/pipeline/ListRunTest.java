package dev.mailcheck.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import com.sun.management.ThreadMXBean;
import dev.mailcheck.Reason;
import dev.mailcheck.dns.MxResolver;
import dev.mailcheck.smtp.Pacing;
import dev.mailcheck.smtp.SmtpProber;
import dev.mailcheck.smtp.SmtpSettings;
import dev.mailcheck.testbed.FakeDnsServer;
import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.testbed.Nsd;
import dev.mailcheck.verdict.CheckResult;
import org.xbill.DNS.Rcode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hostile lists through the whole list path (reader, records, checker), in process, against NSD. */
class ListRunTest {

    private static final Checker checker = new Checker(Nsd.shared().resolver());

    private static List<CheckResult> run(InputStream list, InputRecords.Format format) throws IOException {
        List<CheckResult> results = new ArrayList<>();
        ListRun.run(checker, new InputRecords(InputRecords.reader(list), format, null), results::add);
        return results;
    }

    /**
     * How far a run reads ahead of its oldest unfinished check: a run whose checks end with their DNS lookups holds
     * {@link Batch#DNS_WINDOW} (its unfinished checks were each young collection's survivors), one that probes SMTP,
     * where a check may wait minutes, {@link Batch#DEFAULT_WINDOW}. The first address's DNS never answers (an
     * in-process server: NSD can't be silent for one name on demand); every later one is answered at once.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # run            | SMTP stage | read before the first result
            DNS only         | false      | 4000
            probing SMTP     | true       | 20000
            """)
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aRunReadsAheadOfItsOldestUnfinishedCheckByItsWindow(String name, boolean smtp, int window) {
        assertEquals(window, smtp ? Batch.DEFAULT_WINDOW : Batch.DNS_WINDOW);
        try (FakeDnsServer dns = new FakeDnsServer((q, t) -> q.getQuestion().getName().toString().startsWith("silent.")
                ? null : FakeDnsServer.reply(q, Rcode.NXDOMAIN).toWire());
             MxResolver resolver = new MxResolver(List.of(dns.address()), Duration.ofSeconds(60), 8, true);
             SmtpProber prober = new SmtpProber(SmtpSettings.defaults().withHelo("prober.test"), Pacing.off())) {
            Checker base = new Checker(resolver).withDeadline(Duration.ofSeconds(1));
            Rechecks run = new Rechecks(smtp ? base.withSmtp(prober) : base, Recheck.NONE);
            int total = window + 500;
            AtomicInteger read = new AtomicInteger();
            Iterator<InputRecords.Input> records = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return read.get() < total;
                }

                @Override
                public InputRecords.Input next() {
                    int i = read.getAndIncrement();
                    return new InputRecords.Input("user" + i + (i == 0 ? "@silent.window.test" : "@absent.window.test"), null);
                }
            };
            List<Integer> readAtResult = new ArrayList<>();
            assertEquals(total, ListRun.run(run, records, r -> readAtResult.add(read.get())));
            assertEquals(window, readAtResult.getFirst(), "records read when the first (silent) one ended");
        }
    }

    /** {@code size} bytes of 'a' without a line break, made as they are read: nothing that large is ever held. */
    private static InputStream oneHugeLine(long size) {
        return new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 'a' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                Arrays.fill(b, off, off + n, (byte) 'a');
                left -= n;
                return n;
            }
        };
    }

    @Test
    void aHundredMegabyteLineIsOneCleanErrorInBoundedMemory() throws IOException {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        List<CheckResult> results = run(oneHugeLine(100L << 20), InputRecords.Format.AUTO);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals(1, results.size());
        CheckResult r = results.getFirst();
        assertEquals(Reason.INVALID_SYNTAX, r.reason());
        assertTrue(r.detail().contains("This line is 104,857,600 characters long"), r.detail());
        assertEquals(InputRecords.MAX_LINE_CHARS, r.address().length());
        // Holding the line would allocate at least its 100 MB; reading it through allocates buffers only.
        assertTrue(allocated < 16L << 20, "reading allocated " + (allocated >> 20) + " MB");
    }

    @ParameterizedTest(name = "{0} chars, then {1}")
    @CsvSource({"1000, EOF, false", "1001, EOF, true", "1000, CRLF, false", "1001, CR, true", "1001, LF, true"})
    void linesAreCappedAtTheLimitExactly(int length, String ending, boolean error) throws IOException {
        String end = switch (ending) {
            case "CRLF" -> "\r\n";
            case "CR" -> "\r";
            case "LF" -> "\n";
            default -> "";
        };
        String list = "a".repeat(length) + end + (end.isEmpty() ? "" : "user@good.checker.test\n");
        List<CheckResult> results = run(new ByteArrayInputStream(list.getBytes(StandardCharsets.US_ASCII)),
                InputRecords.Format.LINES);
        assertEquals(end.isEmpty() ? 1 : 2, results.size(), "one record per line");
        assertEquals(error, results.getFirst().detail().contains("characters long"), results.getFirst().detail());
        assertEquals(Math.min(length, InputRecords.MAX_LINE_CHARS), results.getFirst().address().length());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case          | the middle line, hex, before "@good.checker.test" | reason         | detail says
            Latin-1 ü       | 6dfc6c6c6572                                       | INVALID_SYNTAX | not valid UTF-8
            lone 0xFF       | ff                                                 | INVALID_SYNTAX | not valid UTF-8
            overlong slash  | 75c0af                                             | INVALID_SYNTAX | not valid UTF-8
            UTF-8 surrogate | 75eda080                                           | INVALID_SYNTAX | not valid UTF-8
            cut multibyte   | 75c3                                               | INVALID_SYNTAX | not valid UTF-8
            NUL inside      | 750065                                             | INVALID_SYNTAX | control character
            valid UTF-8 ü   | 6dc3bc6c6c6572                                     | ACCEPTS_MAIL   | goes to
            """)
    void undecodableBytesSpoilOnlyTheirOwnLine(String name, String hex, Reason reason, String detail) throws IOException {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        list.writeBytes("first@good.checker.test\n".getBytes(StandardCharsets.US_ASCII));
        list.writeBytes(HexFormat.of().parseHex(hex));
        list.writeBytes("@good.checker.test\nlast@good.checker.test\n".getBytes(StandardCharsets.US_ASCII));
        List<CheckResult> results = run(new ByteArrayInputStream(list.toByteArray()), InputRecords.Format.AUTO);
        assertEquals(3, results.size(), "one record per line");
        assertEquals(Reason.ACCEPTS_MAIL, results.getFirst().reason());
        assertEquals(reason, results.get(1).reason(), results.get(1).detail());
        assertTrue(results.get(1).detail().contains(detail), results.get(1).detail());
        assertEquals(Reason.ACCEPTS_MAIL, results.getLast().reason());
    }

    @Test
    void anOverLongCsvFieldBreaksTheInputOffAfterTheResultsBeforeIt() {
        String csv = "email,note\nfirst@good.checker.test,x\nsecond@good.checker.test,"
                + "n".repeat(InputRecords.MAX_CSV_FIELD_CHARS + 1) + "\nthird@good.checker.test,x\n";
        List<CheckResult> results = new ArrayList<>();
        InputRecords.BrokeOff e = assertThrows(InputRecords.BrokeOff.class, () -> ListRun.run(checker, new InputRecords(
                InputRecords.reader(new ByteArrayInputStream(csv.getBytes(StandardCharsets.US_ASCII))), InputRecords.Format.AUTO,
                null), results::add));
        assertEquals(List.of(Reason.ACCEPTS_MAIL), results.stream().map(CheckResult::reason).toList());
        assertEquals(3, e.line(), e.getMessage());
    }
}
