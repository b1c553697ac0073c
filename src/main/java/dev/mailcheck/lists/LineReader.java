package dev.mailcheck.lists;

import java.io.BufferedReader;
import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * A list's lines, read as {@link BufferedReader#readLine()} reads them but at bounded memory a line. Apart from
 * {@link InputRecords}, which decides what a record is, because reading lines fast (chars taken in bulk, a line end
 * split across two fills, a cut stream losing no line the decoder gave) is a concern of its own with tests of its own.
 */
final class LineReader {

    /** A line as read: a bounded prefix of it kept, and its whole length. */
    record Line(String kept, long length) {
        boolean overLong() {
            return length > InputRecords.MAX_LINE_CHARS;
        }

        /** What a record keeps of the line: at most {@link InputRecords#MAX_LINE_CHARS}. */
        String record() {
            return InputRecords.kept(kept);
        }
    }

    /** Lines mode reads its lines from the reader through a buffer of this many chars. */
    static final int BUFFER_CHARS = 1 << 14;

    private final BufferedReader reader;
    /**
     * Lines mode after the first line: chars taken from the reader in bulk ({@link BufferedReader#read()} takes
     * a lock per char), {@code pos} to {@code end} not yet read; {@code afterCr} when the last line ended at a
     * CR, so that an LF the next fill starts with ends nothing.
     */
    private final char[] buffer;
    private int pos;
    private int end;
    private boolean afterCr;

    LineReader(BufferedReader reader, int bufferChars) {
        this.reader = reader;
        buffer = new char[bufferChars];
    }

    /**
     * The first line, as {@link BufferedReader#readLine()} reads it (ends at LF, CR or CRLF) but keeping at most
     * {@code limit} chars. Char by char: what follows it may be CSV, which the CSV parser reads from the reader. A
     * line that ends at a CR is given without a look at what follows (an LF of the same line end, which the next
     * read drops): a stream that fails right after the CR then fails the next line, not this one.
     */
    Line firstLine(int limit) throws IOException {
        StringBuilder kept = new StringBuilder();
        long length = 0;
        int c = reader.read();
        if (c == -1) {
            return null;
        }
        for (; c != -1 && c != '\n'; c = reader.read()) {
            if (c == '\r') {
                afterCr = true;
                break;
            }
            if (length++ < limit) {
                kept.append((char) c);
            }
        }
        return new Line(kept.toString(), length);
    }

    /** Before another parser reads on from the reader after the {@link #firstLine}: the LF of its CRLF dropped. */
    void dropLfAfterCr() throws IOException {
        if (afterCr) {
            afterCr = false;
            reader.mark(1);
            if (reader.read() != '\n') {
                reader.reset();
            }
        }
    }

    /** The next line after the first, as {@link #firstLine} reads it, through {@link #buffer}. */
    Line nextBufferedLine() throws IOException {
        StringBuilder spanning = null; // the kept chars of a line that goes on past the buffer's end
        long length = 0;
        while (true) {
            if (pos == end) {
                int n = reader.read(buffer, 0, buffer.length);
                if (n < 0) {
                    return length == 0 ? null : new Line(spanning.toString(), length);
                }
                pos = 0;
                end = n;
                continue;
            }
            if (afterCr) {
                afterCr = false;
                if (buffer[pos] == '\n') {
                    pos++; // the LF of a CRLF
                    continue;
                }
            }
            int start = pos;
            while (pos < end && buffer[pos] != '\n' && buffer[pos] != '\r') {
                pos++;
            }
            int keep = (int) Math.min(pos - start, Math.max(0, InputRecords.MAX_LINE_CHARS - length));
            length += pos - start;
            if (pos < end) {
                afterCr = buffer[pos++] == '\r';
                return new Line(spanning == null ? new String(buffer, start, keep)
                        : spanning.append(buffer, start, keep).toString(), length);
            }
            if (spanning == null) {
                spanning = new StringBuilder();
            }
            spanning.append(buffer, start, keep);
        }
    }

    /** {@code decoded}, for the BufferedReader {@link #nextBufferedLine} reads in bulk from. */
    static Reader neverReady(Reader decoded) {
        return new FilterReader(decoded) {
            /**
             * Never ready: {@link BufferedReader#read(char[], int, int)} then returns the chars it holds rather than
             * fill again for more, and a fill that throws (a gzip stream cut short) would lose those with it.
             */
            @Override
            public boolean ready() {
                return false;
            }
        };
    }
}
