package dev.mailcheck.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import dev.mailcheck.store.JobResults.Page;
import dev.mailcheck.store.JobResults.Positioned;
import dev.mailcheck.verdict.ResultJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Results as lines {@code POSITION TAB VERDICT TAB JSON} in a file, appended in the order they come; an
 * index says where each position's JSON is (a position stored again points to its new line). The index
 * is built from the file when first needed (after a restart), a line cut short by a crash left out.
 */
final class ResultFile {

    /** An index entry: the JSON's offset in the high bits, its length in the low ones; 0 for none. */
    private static final int LENGTH_BITS = 24;

    private final Path path;
    /** Open for appending while the job is under way; reads open the file for themselves. */
    private FileChannel writer;
    private long size;
    /** Null until read from the file. */
    private long[] index;
    /** Each position's verdict (ordinal + 1; 0 for none), one byte a result, for {@link #tally()}. */
    private byte[] verdicts;
    private boolean closed;

    ResultFile(Path path) {
        this.path = path;
    }

    synchronized void put(List<Positioned> batch, ObjectMapper json) {
        if (batch.isEmpty()) {
            return;
        }
        indexed();
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        long[] entries = new long[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            Positioned p = batch.get(i);
            if (p.position() < 0 || p.position() >= Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("position " + p.position() + " is out of range here");
            }
            byte[] line = json(json, p);
            if (line.length >= 1 << LENGTH_BITS) {
                throw new IllegalStateException("a result of " + line.length + " bytes");
            }
            lines.writeBytes((p.position() + "\t" + p.result().verdict().ordinal() + "\t")
                    .getBytes(StandardCharsets.US_ASCII));
            entries[i] = (size + lines.size()) << LENGTH_BITS | line.length;
            lines.writeBytes(line);
            lines.write('\n');
        }
        try {
            ByteBuffer out = ByteBuffer.wrap(lines.toByteArray());
            FileChannel f = writer();
            while (out.hasRemaining()) {
                f.write(out, size + out.position());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        size += lines.size();
        for (int i = 0; i < batch.size(); i++) {
            enter((int) batch.get(i).position(), entries[i], batch.get(i).result().verdict().ordinal());
        }
    }

    synchronized Page page(long from, int limit) {
        indexed();
        List<String> page = new ArrayList<>(limit);
        long last = -1;
        try (FileChannel in = index.length == 0 ? null : FileChannel.open(path, StandardOpenOption.READ)) {
            for (long p = Math.max(from, 0); p < index.length; p++) {
                long entry = index[(int) p];
                if (entry == 0) {
                    continue;
                }
                if (page.size() == limit) {
                    return new Page(page, Long.toString(last));
                }
                page.add(read(in, entry >>> LENGTH_BITS, (int) (entry & ((1 << LENGTH_BITS) - 1))));
                last = p;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Page(page, null);
    }

    /** The counts of a job that broke off: each result's JSON is read for what the probe held back (rare, so slow). */
    synchronized Tally tally() {
        indexed();
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        HeldBack.Counts heldBack = new HeldBack.Counts();
        long total = 0;
        try (FileChannel in = index.length == 0 ? null : FileChannel.open(path, StandardOpenOption.READ)) {
            for (int p = 0; p < verdicts.length; p++) {
                if (verdicts[p] != 0) {
                    counts.merge(Verdict.values()[verdicts[p] - 1], 1L, Long::sum);
                    total++;
                    HeldBack h = ResultJson.heldBack(read(in, index[p] >>> LENGTH_BITS,
                            (int) (index[p] & ((1 << LENGTH_BITS) - 1))));
                    if (h != null) {
                        heldBack.add(h);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Tally(total, counts, heldBack.list());
    }

    /** The job ended: nothing more is written, and the file is not held open. */
    synchronized void finish() {
        closeWriter();
    }

    /** Forgets the index; the file is the owner's to erase. */
    synchronized void close() {
        closed = true;
        index = new long[0];
        verdicts = new byte[0];
        closeWriter();
    }

    private void closeWriter() {
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                writer = null;
            }
        }
    }

    private FileChannel writer() throws IOException {
        if (closed) {
            throw new IllegalStateException("this job has been removed");
        }
        if (writer == null) {
            writer = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        return writer;
    }

    private void enter(int position, long entry, int verdict) {
        if (position >= index.length) {
            index = Arrays.copyOf(index, (int) Math.min(Integer.MAX_VALUE - 8,
                    Math.max(position + 1L, index.length * 3L / 2 + 16)));
            verdicts = Arrays.copyOf(verdicts, index.length);
        }
        index[position] = entry;
        verdicts[position] = (byte) (verdict + 1);
    }

    /** Builds the index from the file once; a last line without its line end (a crash mid-write) is left out. */
    private void indexed() {
        if (index != null) {
            return;
        }
        index = new long[0];
        verdicts = new byte[0];
        if (!Files.exists(path)) {
            return;
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buffer = new byte[1 << 16];
            long offset = 0;
            long lineStart = 0;
            int field = 0;
            long position = 0;
            int verdict = 0;
            long jsonStart = 0;
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                for (int i = 0; i < n; i++, offset++) {
                    byte b = buffer[i];
                    if (field == 2) {
                        if (b == '\n') {
                            if (position < Integer.MAX_VALUE - 8 && verdict < Verdict.values().length) {
                                enter((int) position, jsonStart << LENGTH_BITS | (offset - jsonStart), verdict);
                            }
                            lineStart = offset + 1;
                            field = 0;
                            position = 0;
                            verdict = 0;
                        }
                    } else if (b == '\n') { // a line without its fields: not one this store wrote
                        lineStart = offset + 1;
                        field = 0;
                        position = 0;
                        verdict = 0;
                    } else if (b == '\t') {
                        field++;
                        jsonStart = offset + 1;
                    } else if (field == 0) {
                        position = position * 10 + (b - '0');
                    } else {
                        verdict = verdict * 10 + (b - '0');
                    }
                }
            }
            size = lineStart; // a write after a restart overwrites a line cut short
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(FileChannel file, long offset, int length) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(length);
        while (in.hasRemaining()) {
            if (file.read(in, offset + in.position()) < 0) {
                throw new IOException("the results file ends early");
            }
        }
        return new String(in.array(), StandardCharsets.UTF_8);
    }

    private static byte[] json(ObjectMapper json, Positioned p) {
        try {
            return json.writeValueAsBytes(p.result());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
