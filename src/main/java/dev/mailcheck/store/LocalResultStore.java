package dev.mailcheck.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.mailcheck.Verdict;
import dev.mailcheck.verdict.ResultJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * For {@code checker serve} without DynamoDB: jobs and their results in a data directory that outlives the
 * process ({@code jobs/ID.json}, {@code results/ID.jsonl}, {@code gone/ID}). Memory per job is its record and
 * 9 bytes per result (where its line starts, its verdict), so a list of millions of short lines is no danger
 * to the heap; a finished job's results are indexed again only when they are first read after a restart.
 *
 * <p>A finished job is removed, with its results, {@code keepFor} after it finished, or sooner when the
 * finished jobs together hold more than {@code keptResults} results or number more than {@code keptJobs}:
 * the oldest to finish goes first. A job larger than the whole allowance is kept alone. A job under way is
 * never removed (the number of those is bounded by whoever runs them). A removed job leaves a tombstone
 * ({@link #gone}) saying when and why, kept for {@link #TOMBSTONE_DAYS} days, at most {@code 10 * keptJobs}.
 * A job found under way when the store opens was cut off by the server stopping: it is ended {@code failed}.
 */
public final class LocalResultStore implements ResultStore, AutoCloseable {

    /** How many finished jobs, and results of theirs, are kept, and for how long. */
    public record Limits(Duration keepFor, int keptJobs, long keptResults) {

        public static final Limits DEFAULT = new Limits(Duration.ofHours(24), 1_000, 1_000_000);

        public Limits {
            if (keepFor.isNegative() || keptJobs < 1 || keptResults < keptJobs) {
                throw new IllegalArgumentException("keep finished jobs for zero or more time, at least one of them,"
                        + " and at least as many results as jobs");
            }
        }
    }

    /** What a job under way when the server stopped ends with. */
    public static final String STOPPED = "the server stopped before this job ended";
    static final int TOMBSTONE_DAYS = 30;

    private final Path dir;
    /** A directory made for this store alone, erased when it closes. */
    private final boolean temporary;
    private final Limits limits;
    private final Ticker ticker;
    private final ObjectMapper json;
    private final ObjectMapper plain = new ObjectMapper();
    private final Map<String, Kept> jobs = new ConcurrentHashMap<>();
    /** Finished jobs, oldest to finish first; guarded by itself, as are the counters and the tombstones. */
    private final LinkedHashMap<String, Kept> finished = new LinkedHashMap<>();
    private long finishedWeight;
    private final LinkedHashMap<String, Gone> gone = new LinkedHashMap<>();
    /** Held while open: two servers writing one directory would remove each other's jobs. */
    private final FileChannel lock;

    /** A store in a temporary directory of its own, erased when it closes (tests; nothing to keep). */
    public LocalResultStore(Limits limits, IntFunction<String> replyLink) {
        this(limits, Ticker.systemTicker(), replyLink);
    }

    /** @param ticker the clock of {@code keepFor} */
    public LocalResultStore(Limits limits, Ticker ticker, IntFunction<String> replyLink) {
        this(temporaryDirectory(), true, limits, ticker, replyLink);
    }

    /**
     * A store in {@code dir} (made if missing), with the jobs and tombstones found there: those beyond the
     * limits are removed at once, those under way ended {@code failed} ({@link #STOPPED}).
     *
     * @param replyLink where a reply code is explained (each stored result's {@code reference}), null where nowhere
     */
    public LocalResultStore(Path dir, Limits limits, IntFunction<String> replyLink) {
        this(dir, false, limits, Ticker.systemTicker(), replyLink);
    }

    private LocalResultStore(Path dir, boolean temporary, Limits limits, Ticker ticker, IntFunction<String> replyLink) {
        this.dir = dir;
        this.temporary = temporary;
        this.limits = limits;
        this.ticker = ticker;
        this.json = ResultJson.mapper(replyLink);
        try {
            if (!Files.isDirectory(dir)) {
                // Addresses are personal data: a directory made here is its owner's alone.
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            for (String sub : List.of("jobs", "results", "gone")) {
                Files.createDirectories(dir.resolve(sub));
            }
            lock = lock(dir);
            load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the data directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static FileChannel lock(Path dir) throws IOException {
        FileChannel lock = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (lock.tryLock() != null) {
                return lock;
            }
        } catch (OverlappingFileLockException e) {
            // held by this process already
        }
        lock.close();
        throw new IOException("another checker serve is using it");
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("checker-store-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A job, its results and its chunks' tallies. */
    private static final class Kept {
        /** Null while only results have been stored (POST /v1/checks stores them first). */
        volatile Job job;
        final ResultFile results;
        final SortedMap<Integer, Tally> chunks = new ConcurrentSkipListMap<>();
        final SortedMap<Integer, FailedChunk> failedChunks = new ConcurrentSkipListMap<>();
        /** When it finished, on the ticker; its weight against {@code keptResults}. Guarded by {@code finished}. */
        long finishedAt;
        long weight;

        Kept(Path results) {
            this.results = new ResultFile(results);
        }
    }

    @Override
    public void putJob(Job job) {
        putIf(job, stored -> true);
    }

    @Override
    public boolean finishJob(Job job) {
        return putIf(job, stored -> stored == null || !stored.finished());
    }

    @Override
    public boolean createJob(Job job) {
        return putIf(job, stored -> stored == null);
    }

    /** Stores the job when {@code replaces} accepts the one stored (null: none yet); says whether it did. */
    private boolean putIf(Job job, Predicate<Job> replaces) {
        synchronized (finished) {
            Kept k = kept(job.id(), true);
            if (!replaces.test(k.job)) {
                return false;
            }
            k.job = job;
            write(job);
            if (finished.remove(job.id(), k)) {
                finishedWeight -= k.weight;
            }
            if (job.finished()) {
                k.results.finish();
                k.finishedAt = ticker.read();
                long floor = limits.keptResults() / limits.keptJobs();
                // Weighed as at least an equal share, so at most keptJobs are kept; at most the whole allowance.
                k.weight = Math.min(Math.max(job.total(), floor), limits.keptResults());
                finished.put(job.id(), k);
                finishedWeight += k.weight;
                makeRoom();
            }
            return true;
        }
    }

    @Override
    public Optional<Job> job(String id) {
        return Optional.ofNullable(kept(id, false)).map(k -> k.job);
    }

    @Override
    public Optional<Gone> gone(String id) {
        synchronized (finished) {
            expire();
            return Optional.ofNullable(gone.get(id));
        }
    }

    @Override
    public void putResults(String jobId, List<Positioned> batch) {
        kept(jobId, true).results.put(batch, json);
    }

    @Override
    public Page results(String jobId, String cursor, int limit) {
        Kept kept = kept(jobId, false);
        return kept == null ? new Page(List.of(), null)
                : kept.results.page(cursor == null ? 0 : Long.parseLong(cursor) + 1, limit);
    }

    @Override
    public void putChunk(String jobId, int chunk, Tally tally) {
        Kept kept = kept(jobId, true);
        kept.chunks.put(chunk, tally);
        kept.failedChunks.remove(chunk);
    }

    @Override
    public void putFailedChunk(String jobId, int chunk, FailedChunk failed) {
        kept(jobId, true).failedChunks.put(chunk, failed);
    }

    @Override
    public SortedMap<Integer, FailedChunk> failedChunks(String jobId) {
        Kept kept = kept(jobId, false);
        return kept == null ? new TreeMap<>() : new TreeMap<>(kept.failedChunks);
    }

    @Override
    public SortedMap<Integer, Tally> chunks(String jobId) {
        Kept kept = kept(jobId, false);
        return kept == null ? new TreeMap<>() : new TreeMap<>(kept.chunks);
    }

    @Override
    public void clearChunks(String jobId) {
        Kept kept = kept(jobId, false);
        if (kept != null) {
            kept.chunks.clear();
            kept.failedChunks.clear();
        }
    }

    @Override
    public Tally tally(String jobId) {
        Kept kept = kept(jobId, false);
        return kept == null ? Tally.EMPTY : kept.results.tally();
    }

    /** Erases the job now, leaving a tombstone that says so. */
    @Override
    public void deleteJob(String jobId) {
        synchronized (finished) {
            remove(jobId, "it was deleted (DELETE /v1/jobs/" + jobId + ")");
        }
    }

    /** Closes every results file; a temporary directory is erased. */
    @Override
    public void close() {
        synchronized (finished) {
            jobs.values().forEach(k -> k.results.close());
            jobs.clear();
            finished.clear();
            try {
                lock.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (temporary) {
                try (Stream<Path> all = Files.walk(dir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** The job kept under {@code id}, made when {@code create}; null when there is none (or its time is up). */
    private Kept kept(String id, boolean create) {
        synchronized (finished) {
            expire();
            if (!create) {
                return jobs.get(id);
            }
            gone.remove(id); // stored again: no longer gone
            return jobs.computeIfAbsent(id, i -> new Kept(resultsPath(i)));
        }
    }

    /** Removes finished jobs past their time, and tombstones past theirs; oldest first, each loop stopping at the first kept. */
    private void expire() {
        long now = ticker.read();
        for (Iterator<Kept> it = finished.values().iterator(); it.hasNext(); ) {
            Kept k = it.next();
            if (now - k.finishedAt <= limits.keepFor().toNanos()) {
                break;
            }
            remove(k.job.id(), "finished jobs are kept for " + limits.keepFor().toHours() + " hours (--kept-hours)");
            it = finished.values().iterator();
        }
        forgetTombstones();
    }

    /** Tombstones past their time, or beyond their number, oldest first. */
    private void forgetTombstones() {
        Instant oldest = Instant.now().minus(Duration.ofDays(TOMBSTONE_DAYS));
        for (Iterator<Map.Entry<String, Gone>> it = gone.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Gone> g = it.next();
            if (g.getValue().when().isAfter(oldest) && gone.size() <= 10L * limits.keptJobs()) {
                break;
            }
            it.remove();
            delete(dir.resolve("gone").resolve(g.getKey()));
        }
    }

    /** Removes the oldest finished jobs while those kept are more than the limits allow (never the last one). */
    private void makeRoom() {
        while (finished.size() > 1 && (finishedWeight > limits.keptResults() || finished.size() > limits.keptJobs())) {
            remove(finished.keySet().iterator().next(), "this server keeps the results of at most "
                    + limits.keptJobs() + " finished jobs and " + limits.keptResults() + " results in all (--kept-jobs,"
                    + " --kept-results), and jobs that finished later needed the room");
        }
    }

    /** Forgets the job and erases its files, leaving a tombstone. Called holding {@code finished}. */
    private void remove(String id, String why) {
        Kept k = jobs.remove(id);
        if (k == null) {
            return;
        }
        if (finished.remove(id, k)) {
            finishedWeight -= k.weight;
        }
        k.results.close();
        delete(resultsPath(id));
        delete(jobPath(id));
        Gone g = new Gone(Instant.now(), why);
        gone.put(id, g);
        writeAtomically(dir.resolve("gone").resolve(id), (g.when() + "\t" + why).getBytes(StandardCharsets.UTF_8));
        forgetTombstones();
    }

    private void load() throws IOException {
        List<Map.Entry<String, Gone>> tombstones = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("gone"))) {
            for (Path p : files.toList()) {
                String[] line = Files.readString(p).split("\t", 2);
                if (p.getFileName().toString().endsWith(".partial") || line.length < 2) {
                    delete(p); // a write cut short
                    continue;
                }
                tombstones.add(Map.entry(p.getFileName().toString(), new Gone(Instant.parse(line[0]), line[1])));
            }
        }
        tombstones.sort(Map.Entry.comparingByValue(Comparator.comparing(Gone::when)));
        tombstones.forEach(t -> gone.put(t.getKey(), t.getValue()));

        List<Job> stored = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("jobs"))) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().endsWith(".json")) {
                    delete(p); // a write cut short
                    continue;
                }
                stored.add(read(plain.readTree(p.toFile())));
            }
        }
        try (Stream<Path> files = Files.list(dir.resolve("results"))) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (!Files.exists(jobPath(name.substring(0, Math.max(0, name.length() - ".jsonl".length()))))) {
                    delete(p); // results of a POST /v1/checks cut off before its job was stored
                }
            }
        }
        stored.sort(Comparator.comparing(Job::updated));
        long now = ticker.read();
        Instant wall = Instant.now();
        synchronized (finished) {
            for (Job job : stored) {
                Kept k = new Kept(resultsPath(job.id()));
                jobs.put(job.id(), k);
                Job ended = job.finished() ? job
                        : job.ended(JobStatus.FAILED, k.results.tally(), null, STOPPED, job.resultsKey());
                k.job = ended;
                if (ended != job) {
                    write(ended);
                }
                k.finishedAt = now - Math.max(0, Duration.between(ended.updated(), wall).toNanos());
                k.weight = Math.min(Math.max(ended.total(), limits.keptResults() / limits.keptJobs()),
                        limits.keptResults());
                finished.put(job.id(), k);
                finishedWeight += k.weight;
            }
            makeRoom();
            expire();
        }
    }

    private void write(Job job) {
        ObjectNode out = plain.createObjectNode();
        out.put("id", job.id());
        out.put("source", job.source());
        out.put("status", job.status().code());
        out.put("total", job.total());
        ObjectNode counts = out.putObject("counts");
        job.counts().forEach((v, n) -> counts.put(v.code(), n));
        out.put("created", job.created().toString());
        out.put("updated", job.updated().toString());
        out.put("results_key", job.resultsKey());
        out.put("chunks", job.chunks());
        if (job.notChecked() != null) {
            out.put("not_checked", job.notChecked());
        }
        out.put("error", job.error());
        try {
            writeAtomically(jobPath(job.id()), plain.writeValueAsBytes(out));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Job read(JsonNode in) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            if (in.path("counts").has(v.code())) {
                counts.put(v, in.path("counts").get(v.code()).asLong());
            }
        }
        return new Job(in.get("id").asText(), in.get("source").asText(), JobStatus.of(in.get("status").asText()),
                in.get("total").asLong(), counts, Instant.parse(in.get("created").asText()),
                Instant.parse(in.get("updated").asText()), text(in.get("results_key")), in.path("chunks").asInt(),
                in.hasNonNull("not_checked") ? in.get("not_checked").asLong() : null, text(in.get("error")));
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    private Path jobPath(String id) {
        return dir.resolve("jobs").resolve(id + ".json");
    }

    private Path resultsPath(String id) {
        return dir.resolve("results").resolve(id + ".jsonl");
    }

    /** Through a temporary file and a rename: a crash leaves the old file or the new one, never half of one. */
    private static void writeAtomically(Path path, byte[] bytes) {
        Path partial = path.resolveSibling(path.getFileName() + ".partial");
        try {
            Files.write(partial, bytes);
            Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Results as lines {@code POSITION TAB VERDICT TAB JSON} in a file, appended in the order they come; an
     * index says where each position's JSON is (a position stored again points to its new line). The index
     * is built from the file when first needed (after a restart), a line cut short by a crash left out.
     */
    private static final class ResultFile {

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

        synchronized Tally tally() {
            indexed();
            Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
            long total = 0;
            for (byte v : verdicts) {
                if (v != 0) {
                    counts.merge(Verdict.values()[v - 1], 1L, Long::sum);
                    total++;
                }
            }
            return new Tally(total, counts);
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
}
