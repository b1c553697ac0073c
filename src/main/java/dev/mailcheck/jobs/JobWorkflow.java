package dev.mailcheck.jobs;

import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.pipeline.Rechecks;
import dev.mailcheck.pipeline.StoredRun;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.ResultStore;
import dev.mailcheck.store.Tally;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One list checked as a job, whoever runs it ({@code checker serve} or the Lambda functions): read (column
 * detected), checked here when it is short, else split into chunks on the {@link ChunkQueue}; each chunk's
 * results stored at their positions, its rows of the results file kept as a part, its tally recorded.
 * Whichever chunk completes the job (every chunk done or given up on) assembles the results file in input
 * order, ends the job (done, partial or failed) and announces it.
 *
 * <p>Everything is keyed by job and position or chunk number, so a chunk delivered twice or out of order, or
 * a job completed twice by a race, writes the same things again; only one of the racers stores the end.
 * A job without a results key has no files: its results are read from the store alone.
 */
public final class JobWorkflow {

    /** Records per chunk: a few seconds of DNS checks, well inside a Lambda worker's timeout. */
    public static final int CHUNK_RECORDS = 2_000;
    /** Keeps a chunk message under SQS's 256 KiB however long its records are. */
    static final int CHUNK_BYTES = 192 * 1024;
    /** Lists of up to this many records are checked in one piece, larger ones split. */
    public static final int INLINE_MAX_RECORDS = 20_000;

    /**
     * The checkers of the jobs.
     *
     * @param withSmtp the checker of jobs that ask for the SMTP probe, or null where it is off
     * @param recheck  how those jobs recheck deferrals (DNS-only jobs have none: only SMTP replies say "later")
     */
    public record Checkers(Checker dnsOnly, Checker withSmtp, Recheck recheck) {

        public static Checkers dnsOnly(Checker checker) {
            return new Checkers(checker, null, Recheck.NONE);
        }

        Rechecks rechecks(boolean smtp) {
            if (smtp && withSmtp == null) {
                throw new IllegalStateException("a job asks for SMTP where the probe is off");
            }
            return smtp ? new Rechecks(withSmtp, recheck) : new Rechecks(dnsOnly, Recheck.NONE);
        }
    }

    /**
     * How lists are cut.
     *
     * @param inlineMaxRecords lists of up to this many records are checked in one piece
     * @param chunkRecords     records per chunk of a larger one
     */
    public record Chunking(int inlineMaxRecords, int chunkRecords) {

        public static final Chunking DEFAULT = new Chunking(INLINE_MAX_RECORDS, CHUNK_RECORDS);

        public Chunking {
            if (inlineMaxRecords < 0 || chunkRecords < 1) {
                throw new IllegalArgumentException("lists are checked in one piece up to zero or more records, and"
                        + " chunks have at least one");
            }
        }
    }

    /** A piece of a job being checked now: a chunk, or the whole list ({@code chunk} -1). */
    private record Running(String job, int chunk) {
    }

    private final Checkers checkers;
    private final ResultStore store;
    private final JobEvents events;
    private final JobFiles files;
    private final ChunkQueue queue;
    private final Chunking chunking;
    /** The rechecks of the pieces being checked now, for how many addresses wait; each removes its own. */
    private final Map<Running, Rechecks> running = new ConcurrentHashMap<>();

    /**
     * @param files where results files and parts live; null where jobs have none
     * @param queue where chunks go; null to check every list in one piece
     */
    public JobWorkflow(Checkers checkers, ResultStore store, JobEvents events, JobFiles files, ChunkQueue queue,
                       Chunking chunking) {
        this.checkers = checkers;
        this.store = store;
        this.events = events;
        this.files = files;
        this.queue = queue;
        this.chunking = chunking;
    }

    /** A workflow that checks chunks and ends jobs, and splits nothing (Lambda's chunk and failure functions). */
    public static JobWorkflow chunkWorker(Checker checker, ResultStore store, JobEvents events, JobFiles files) {
        return new JobWorkflow(Checkers.dnsOnly(checker), store, events, files, null, Chunking.DEFAULT);
    }

    /**
     * Reads the list of a job already stored running, and checks it here or splits it into chunks. A list
     * without an address column ends the job failed, naming the headers found (no retry reads another column).
     *
     * @param column the CSV column of the addresses, or null to detect it
     * @return the job as it ended, or as split (running, its chunk count stored)
     */
    public Job check(Job job, String bucket, BufferedReader list, InputRecords.Format format, String column,
                     boolean smtp) throws IOException {
        InputRecords records;
        try {
            records = new InputRecords(list, format, column);
        } catch (InputRecords.NoAddressColumn e) {
            return fail(job, bucket, e.getMessage());
        }
        if (queue == null) {
            return checkHere(job, bucket, records, smtp);
        }
        // Sizes say little about record counts, so count: read ahead one past the limit.
        List<InputRecords.Input> head = new ArrayList<>();
        while (head.size() <= chunking.inlineMaxRecords() && records.hasNext()) {
            head.add(records.next());
        }
        Iterator<InputRecords.Input> all = Stream.concat(head.stream(),
                StreamSupport.stream(Spliterators.spliteratorUnknownSize(records, Spliterator.ORDERED), false)).iterator();
        return head.size() > chunking.inlineMaxRecords() ? split(job, bucket, all, smtp)
                : checkHere(job, bucket, all, smtp);
    }

    /** The job ends failed before anything was checked. */
    public Job fail(Job job, String bucket, String why) {
        return end(job.ended(JobStatus.FAILED, Tally.EMPTY, null, why, null), bucket).orElse(job);
    }

    /**
     * Whoever ran the job gave up on it (it failed on every try): it ends failed, with the results stored
     * before it broke off. A job already split is left to its chunks, which end it.
     *
     * @return the job, if this ended it
     */
    public Optional<Job> giveUp(Job job, String bucket, String why) {
        if (job.finished()) {
            return Optional.empty();
        }
        if (job.chunks() > 0) {
            return finishIfComplete(job.id(), bucket);
        }
        return end(job.ended(JobStatus.FAILED, store.tally(job.id()), null, why, null), bucket);
    }

    private Job checkHere(Job job, String bucket, Iterator<InputRecords.Input> records, boolean smtp)
            throws IOException {
        Running whole = new Running(job.id(), -1);
        Tally tally = job.resultsKey() == null ? run(whole, smtp, records, 0, null)
                : putResults(bucket, job.resultsKey(), out -> run(whole, smtp, records, 0, out));
        Job done = job.with(JobStatus.DONE, tally, 0);
        return end(done, bucket).orElse(done);
    }

    /**
     * Sends the records to the queue in chunks, then records how many there are. Chunks may finish
     * before that count is stored, so the last step also looks for a job that is already complete.
     */
    private Job split(Job job, String bucket, Iterator<InputRecords.Input> records, boolean smtp) {
        store.clearChunks(job.id());
        int chunk = 0;
        long position = 0;
        List<InputRecords.Input> pending = new ArrayList<>(chunking.chunkRecords());
        int bytes = 0;
        while (records.hasNext()) {
            InputRecords.Input r = records.next();
            int size = 32 + jsonBytes(r.value()) + jsonBytes(r.error());
            if (!pending.isEmpty() && (pending.size() == chunking.chunkRecords() || bytes + size > CHUNK_BYTES)) {
                queue.send(new Chunk(job.id(), bucket, job.resultsKey(), chunk++, position, pending, smtp));
                position += pending.size();
                pending = new ArrayList<>(chunking.chunkRecords());
                bytes = 0;
            }
            pending.add(r);
            bytes += size;
        }
        if (!pending.isEmpty() || chunk == 0) {
            queue.send(new Chunk(job.id(), bucket, job.resultsKey(), chunk++, position, pending, smtp));
        }
        Job splitUp = job.with(JobStatus.RUNNING, Tally.sum(store.chunks(job.id()).values()), chunk);
        store.putJob(splitUp);
        return finishIfComplete(job.id(), bucket).orElse(splitUp);
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

    /** One chunk: checked, stored, its part kept; @return the job, if this chunk ended it */
    public Optional<Job> process(Chunk chunk) {
        if (hasEnded(chunk.job())) {
            return Optional.empty(); // delivered again after the job ended: everything is stored
        }
        Running piece = new Running(chunk.job(), chunk.chunk());
        Tally tally;
        if (chunk.resultsKey() == null) {
            tally = run(piece, chunk.smtp(), chunk.records().iterator(), chunk.first(), null);
        } else {
            StringWriter part = new StringWriter();
            tally = run(piece, chunk.smtp(), chunk.records().iterator(), chunk.first(), part);
            files.putPart(chunk.bucket(), chunk.job(), chunk.chunk(), part.toString());
        }
        store.putChunk(chunk.job(), chunk.chunk(), tally);
        return finishIfComplete(chunk.job(), chunk.bucket());
    }

    /**
     * A chunk that failed every delivery (SQS's dead-letter queue; serve's last try): recorded as given up
     * on, so that its job still ends (partial, or failed if no chunk got through) instead of running forever.
     */
    public Optional<Job> giveUp(Chunk chunk, String why) {
        if (hasEnded(chunk.job())) {
            return Optional.empty();
        }
        // A chunk stored done whose try broke off later (assembling its job, say) stays done: counted failed too,
        // it would make its job look complete while another chunk is still out.
        if (store.chunks(chunk.job()).containsKey(chunk.chunk())) {
            return finishIfComplete(chunk.job(), chunk.bucket());
        }
        store.putFailedChunk(chunk.job(), chunk.chunk(), new ResultStore.FailedChunk(chunk.records().size(), why));
        return finishIfComplete(chunk.job(), chunk.bucket());
    }

    /** Addresses of a job that wait for a recheck now (0 when none wait). */
    public int rechecking(String jobId) {
        return running.entrySet().stream().filter(e -> e.getKey().job().equals(jobId))
                .mapToInt(e -> e.getValue().waiting().map(Rechecks.Waiting::addresses).orElse(0)).sum();
    }

    /** Checks records, storing each result at its position and writing it to {@code csv} unless that is null. */
    private Tally run(Running piece, boolean smtp, Iterator<InputRecords.Input> records, long first, Writer csv) {
        Rechecks rechecks = checkers.rechecks(smtp);
        running.put(piece, rechecks);
        try {
            if (csv == null) {
                return StoredRun.run(rechecks, records, store, piece.job(), first, r -> { });
            }
            ResultWriter writer = ResultWriter.of(ResultWriter.Format.CSV, csv, null);
            Tally tally = StoredRun.run(rechecks, records, store, piece.job(), first, writer::write);
            writer.flush();
            return tally;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            running.remove(piece);
        }
    }

    private boolean hasEnded(String jobId) {
        return store.job(jobId).map(Job::finished).orElse(false);
    }

    /**
     * Once every chunk of the job is done or given up on: the results file from the parts of the chunks
     * done, in order, and the job ended.
     */
    Optional<Job> finishIfComplete(String jobId, String bucket) {
        // Read now, not reused from before the chunk: the split may have stored its chunk count meanwhile.
        Optional<Job> found = store.job(jobId);
        if (found.isEmpty() || found.get().chunks() == 0 || found.get().finished()) {
            return Optional.empty();
        }
        Job job = found.get();
        SortedMap<Integer, Tally> done = store.chunks(jobId);
        SortedMap<Integer, ResultStore.FailedChunk> failed = store.failedChunks(jobId);
        if (done.size() + failed.size() < job.chunks()) {
            return Optional.empty();
        }
        Tally checked = Tally.sum(done.values());
        boolean withFile = job.resultsKey() != null;
        if (withFile && !done.isEmpty()) {
            writeResults(bucket, job.resultsKey(), jobId, done.keySet());
        }
        Job ended;
        if (failed.isEmpty()) {
            ended = job.with(JobStatus.DONE, checked, job.chunks());
        } else {
            Map.Entry<Integer, ResultStore.FailedChunk> first = failed.entrySet().iterator().next();
            ended = job.ended(done.isEmpty() ? JobStatus.FAILED : JobStatus.PARTIAL, checked,
                    failed.values().stream().mapToLong(ResultStore.FailedChunk::records).sum(),
                    failed.size() + " of " + job.chunks() + " chunks could not be checked (chunk " + first.getKey()
                            + ": " + first.getValue().error() + ")",
                    done.isEmpty() ? null : job.resultsKey());
        }
        Optional<Job> result = end(ended, bucket);
        if (withFile) {
            files.deleteParts(bucket, jobId, job.chunks());
        }
        return result;
    }

    /** Announces the end of the job, then stores it; empty if another ended it first. */
    private Optional<Job> end(Job ended, String bucket) {
        events.finished(ended, bucket);
        return store.finishJob(ended) ? Optional.of(ended) : Optional.empty();
    }

    private void writeResults(String bucket, String key, String jobId, Iterable<Integer> chunks) {
        try {
            putResults(bucket, key, out -> {
                boolean header = true;
                for (int i : chunks) {
                    appendPart(bucket, jobId, i, header, out);
                    header = false;
                }
                return null;
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A results file written by {@code write} to a temporary file (it may be large), then put where it lives. */
    private <T> T putResults(String bucket, String key, ResultsFile<T> write) throws IOException {
        Path csv = Files.createTempFile("results-", ".csv");
        try {
            T written;
            try (Writer out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                written = write.to(out);
            }
            files.putResults(bucket, key, csv);
            return written;
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    private interface ResultsFile<T> {
        T to(Writer out) throws IOException;
    }

    /** Every part has the CSV header as its first line; the results file keeps the first one only. */
    private void appendPart(String bucket, String jobId, int chunk, boolean withHeader, Writer out) throws IOException {
        try (BufferedReader reader = files.part(bucket, jobId, chunk)) {
            String header = reader.readLine();
            if (header != null && withHeader) {
                out.write(header);
                out.write('\n');
            }
            reader.transferTo(out);
        }
    }
}
