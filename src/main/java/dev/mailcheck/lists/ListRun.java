package dev.mailcheck.lists;

import dev.mailcheck.verdict.Batch;
import dev.mailcheck.verdict.CheckResult;
import dev.mailcheck.verdict.Checker;
import dev.mailcheck.verdict.Recheck;
import dev.mailcheck.verdict.Rechecks;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/** A whole list through the checker: every input record in, one result out, in input order. */
public final class ListRun {

    private ListRun() {
    }

    /**
     * A reader for a list as uploaded: gzip is recognised by its magic bytes; text is UTF-8, or UTF-16 when
     * it starts with a UTF-16 byte-order mark (what spreadsheets call "Unicode text"). The mark itself is
     * decoded to U+FEFF, which {@link InputRecords} drops. Undecodable bytes become U+FFFD, which the
     * address stage rejects with a message of its own.
     */
    public static BufferedReader reader(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        BufferedInputStream text = startsWith(in, 0x1f, 0x8b) ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16)
                : in;
        Charset charset = startsWith(text, 0xff, 0xfe) ? StandardCharsets.UTF_16LE
                : startsWith(text, 0xfe, 0xff) ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_8;
        return new BufferedReader(new InputStreamReader(text, charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)), 1 << 16);
    }

    private static boolean startsWith(BufferedInputStream in, int first, int second) throws IOException {
        in.mark(2);
        boolean match = in.read() == first && in.read() == second;
        in.reset();
        return match;
    }

    /** Checks every record; returns how many results were handed to {@code sink}. */
    public static long run(Checker checker, Iterator<InputRecords.Input> records, Consumer<CheckResult> sink) {
        return run(new Rechecks(checker, Recheck.NONE), records, sink);
    }

    /** Checks every record, rechecking deferrals as {@code checker}'s policy says; returns how many results were handed on. */
    public static long run(Rechecks checker, Iterator<InputRecords.Input> records, Consumer<CheckResult> sink) {
        return run(checker, records, sink, new CompletableFuture<>()).results();
    }

    /**
     * Checks every record, rechecking deferrals as {@code checker}'s policy says. A result behind one that waits
     * for a recheck is held until that one is final: at most {@link Batch#DEFAULT_WINDOW} results are held, and
     * when that many are, no further record is read until the oldest is final. Once {@code stop} completes no
     * more records are read and only the results already finished reach {@code sink} (see
     * {@link Batch#run(Iterator, int, Consumer, CompletableFuture)}).
     */
    public static Batch.Outcome run(Rechecks checker, Iterator<InputRecords.Input> records, Consumer<CheckResult> sink,
            CompletableFuture<?> stop) {
        Iterator<CompletableFuture<CheckResult>> checks = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return records.hasNext();
            }

            @Override
            public CompletableFuture<CheckResult> next() {
                InputRecords.Input r = records.next();
                return r.error() == null ? checker.check(r.value()) : checker.unreadable(r.value(), r.error());
            }
        };
        return Batch.run(checks, Batch.DEFAULT_WINDOW, sink, stop);
    }
}
