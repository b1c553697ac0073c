package dev.mailcheck.jobs;

import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.store.Job;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A list too long to check in one piece, cut into chunks on the {@link ChunkQueue}: at most {@code chunkRecords}
 * records each, and no more of them than fit {@link #CHUNK_BYTES}. Its own class because where a list is cut is a
 * decision apart from what becomes of the chunks: it answers to SQS's message size and to the worst a record can
 * take in JSON.
 */
final class ListSplitter {

    /** Keeps a chunk message under SQS's 256 KiB however long its records are. */
    static final int CHUNK_BYTES = 192 * 1024;

    private final ChunkQueue queue;
    private final int chunkRecords;

    ListSplitter(ChunkQueue queue, int chunkRecords) {
        this.queue = queue;
        this.chunkRecords = chunkRecords;
    }

    /**
     * Sends the records in chunks numbered from 0, in order; says how many. A list without records is one empty
     * chunk, so that its job still ends the way every split job does: through its chunks.
     */
    int send(Job job, Iterator<InputRecords.Input> records, SmtpDepth smtp) {
        int chunk = 0;
        long position = 0;
        List<InputRecords.Input> pending = new ArrayList<>(chunkRecords);
        int bytes = 0;
        while (records.hasNext()) {
            InputRecords.Input r = records.next();
            int size = 32 + jsonBytes(r.value()) + jsonBytes(r.error());
            if (!pending.isEmpty() && (pending.size() == chunkRecords || bytes + size > CHUNK_BYTES)) {
                queue.send(new Chunk(job.id(), job.resultsKey(), chunk++, position, pending, smtp));
                position += pending.size();
                pending = new ArrayList<>(chunkRecords);
                bytes = 0;
            }
            pending.add(r);
            bytes += size;
        }
        if (!pending.isEmpty() || chunk == 0) {
            queue.send(new Chunk(job.id(), job.resultsKey(), chunk++, position, pending, smtp));
        }
        return chunk;
    }

    /** The most a string can take in a chunk message: UTF-8, with JSON's escapes. */
    static int jsonBytes(String s) {
        if (s == null) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x20 ? 6 : c == '"' || c == '\\' ? 2 : c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }
}
