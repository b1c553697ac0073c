package dev.mailcheck.jobs;

import dev.mailcheck.lists.InputRecords;
import dev.mailcheck.lists.ResultWriter;
import dev.mailcheck.pipeline.Checker;
import dev.mailcheck.pipeline.Recheck;
import dev.mailcheck.pipeline.Rechecks;
import dev.mailcheck.store.ChunkTallies;
import dev.mailcheck.store.Job;
import dev.mailcheck.store.JobLifecycle;
import dev.mailcheck.store.JobResults;
import dev.mailcheck.store.JobStatus;
import dev.mailcheck.store.Tally;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One list checked as a job, whoever runs it ({@code checker serve} or the Lambda functions): read (column
 * detected), checked here when it is short, else split into chunks on the {@link ChunkQueue}; each chunk's
 * results stored at their positions, its rows of the results file kept as a part, its tally recorded.
 * Whichever chunk completes the job (every chunk done or given up on) has the {@link JobFiles} assemble the
 * results file from the parts in input order, ends the job (done, partial or failed) and announces it
 * ({@link JobCompletion}); where a list is cut is {@link ListSplitter}'s.
 *
 * <p>Everything is keyed by job and position or chunk number, so a chunk delivered twice or out of order, or
 * a job completed twice by a race, writes the same things again; only one of the racers stores the end.
 * A job without a results key has no files: its results are read from the store alone.
 *
 * <p>Built with {@link #builder}: what is not given is not done (no files, no splitting, no announcements).
 */
public final class JobWorkflow {

    /** Records per chunk: a few seconds of DNS checks, well inside a Lambda worker's timeout. */
    public static final int CHUNK_RECORDS = 2_000;
    /** Lists of up to this many records are checked in one piece, larger ones split. */
    public static final int INLINE_MAX_RECORDS = 20_000;
    /**
     * A list checked in one piece keeps its rows as parts of at least this many characters (so at least as many
     * bytes): S3's smallest multipart part, so assembling copies them where they are, and memory holds one part.
     */
    static final int PART_CHARS = 5 * 1024 * 1024;

    /**
     * The checkers of the jobs.
     *
     * @param withSmtp the checker of jobs that ask for the SMTP probe, or null where it is off
     * @param withData the checker of jobs that ask for it up to DATA's 354 ({@code smtp_data}), or null where it is off
     * @param recheck  how those jobs recheck deferrals (DNS-only jobs have none: only SMTP replies say "later")
     */
    public record Checkers(Checker dnsOnly, Checker withSmtp, Checker withData, Recheck recheck) {

        public static Checkers dnsOnly(Checker checker) {
            return new Checkers(checker, null, null, Recheck.NONE);
        }

        Rechecks rechecks(SmtpDepth smtp) {
            Checker checker = switch (smtp) {
                case NONE -> dnsOnly;
                case RCPT -> withSmtp;
                case DATA -> withData;
            };
            if (checker == null) {
                throw new IllegalStateException("a job asks for SMTP (" + smtp + ") where the probe is off");
            }
            return new Rechecks(checker, smtp.smtp() ? recheck : Recheck.NONE);
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
        /** Every list checked in one piece, streamed (where there is no chunk queue). */
        public static final Chunking NEVER = new Chunking(Integer.MAX_VALUE, CHUNK_RECORDS);

        public Chunking {
            if (inlineMaxRecords < 0 || chunkRecords < 1) {
                throw new IllegalArgumentException("lists are checked in one piece up to zero or more records, and"
                        + " chunks have at least one");
            }
        }

        boolean splits() {
            return inlineMaxRecords < Integer.MAX_VALUE;
        }
    }

    private final JobLifecycle jobs;
    private final JobResults results;
    private final ChunkTallies chunks;
    private final JobFiles files;
    private final Chunking chunking;
    private final ListSplitter splitter;
    private final JobCompletion completion;
    private final RunningPieces running;

    private JobWorkflow(Builder b) {
        this.jobs = b.jobs;
        this.results = b.results;
        this.chunks = b.chunks;
        this.files = b.files;
        this.chunking = b.chunking;
        this.splitter = new ListSplitter(b.queue, b.chunking.chunkRecords());
        this.completion = new JobCompletion(b.jobs, b.results, b.chunks, b.files, b.events, b.whenEnded);
        this.running = new RunningPieces(b.checkers, b.results);
    }

    /**
     * A workflow that checks every list in one piece, keeps no files and announces nothing, until told otherwise.
     *
     * @param store where jobs, their results and their chunks' tallies are kept (the workflow erases nothing)
     */
    public static <S extends JobLifecycle & JobResults & ChunkTallies> Builder builder(Checkers checkers, S store) {
        return new Builder(checkers, store, store, store);
    }

    /** What a workflow does besides checking and storing; each part has a default that does nothing. */
    public static final class Builder {
        private final Checkers checkers;
        private final JobLifecycle jobs;
        private final JobResults results;
        private final ChunkTallies chunks;
        private JobEvents events = JobEvents.NONE;
        private Consumer<Job> whenEnded = job -> { };
        private JobFiles files = JobFiles.NONE;
        private ChunkQueue queue = chunk -> {
            throw new IllegalStateException("this workflow splits no list");
        };
        private Chunking chunking = Chunking.NEVER;

        private Builder(Checkers checkers, JobLifecycle jobs, JobResults results, ChunkTallies chunks) {
            this.checkers = checkers;
            this.jobs = jobs;
            this.results = results;
            this.chunks = chunks;
        }

        /** Where results files and their parts live (jobs with a results key have one). */
        public Builder files(JobFiles files) {
            this.files = files;
            return this;
        }

        /** Lists longer than {@code chunking} allows in one piece go to {@code queue} in chunks. */
        public Builder splitting(ChunkQueue queue, Chunking chunking) {
            this.queue = queue;
            this.chunking = chunking;
            return this;
        }

        /** Who is told of every job's end, before it is stored (at least once). */
        public Builder events(JobEvents events) {
            this.events = events;
            return this;
        }

        /**
         * Called each time this workflow is about to store a job's end, whether or not the store then takes it
         * (two racing to end a job both call it; so does one whose store fails): where nothing retries an end, the
         * holder of the job (serve's slot of --max-jobs) lets go here, before the end is visible, so that whoever
         * sees the job ended may start another at once.
         */
        public Builder whenEnded(Consumer<Job> whenEnded) {
            this.whenEnded = whenEnded;
            return this;
        }

        public JobWorkflow build() {
            return new JobWorkflow(this);
        }
    }

    /**
     * Reads the list of a job already stored running, and checks it here or splits it into chunks. A list
     * without an address column ends the job failed, naming the headers found (no retry reads another column).
     *
     * @param column the CSV column of the addresses, or null to detect it
     * @return the job as it ended, or as split (running, its chunk count stored)
     */
    public Job check(Job job, BufferedReader list, InputRecords.Format format, String column, SmtpDepth smtp)
            throws IOException {
        InputRecords records;
        try {
            records = new InputRecords(list, format, column);
        } catch (InputRecords.NoAddressColumn e) {
            return fail(job, e.getMessage());
        }
        if (!chunking.splits()) {
            return checkHere(job, records, smtp);
        }
        // Sizes say little about record counts, so count: read ahead one past the limit.
        List<InputRecords.Input> head = new ArrayList<>();
        while (head.size() <= chunking.inlineMaxRecords() && records.hasNext()) {
            head.add(records.next());
        }
        Iterator<InputRecords.Input> all = Stream.concat(head.stream(),
                StreamSupport.stream(Spliterators.spliteratorUnknownSize(records, Spliterator.ORDERED), false)).iterator();
        return head.size() > chunking.inlineMaxRecords() ? split(job, all, smtp) : checkHere(job, all, smtp);
    }

    /** The job ends failed before anything was checked. */
    public Job fail(Job job, String why) {
        return completion.end(job.ended(JobStatus.FAILED, Tally.EMPTY, null, why, null)).orElse(job);
    }

    /**
     * Whoever ran the job gave up on it (it failed on every try): it ends failed, with the results stored
     * before it broke off. A job already split is left to its chunks, which end it; if they all have, this is
     * the last word on it, and a results file that can't be assembled ends it failed too.
     *
     * @return the job, if this ended it
     */
    public Optional<Job> giveUp(Job job, String why) {
        if (job.finished()) {
            return Optional.empty();
        }
        if (job.chunks() > 0) {
            return completion.finishIfComplete(job.id(), true);
        }
        Optional<Job> ended = completion.end(job.ended(JobStatus.FAILED, results.tally(job.id()), null, why, null));
        if (job.resultsKey() != null) {
            files.deleteParts(job.id(), 0); // what a list checked in one piece kept before it broke off
        }
        return ended;
    }

    private Job checkHere(Job job, Iterator<InputRecords.Input> records, SmtpDepth smtp) {
        if (job.resultsKey() == null) {
            Job done = job.with(JobStatus.DONE, running.run(job.id(), -1, smtp, records, 0, r -> { }), 0);
            return completion.end(done).orElse(done);
        }
        ResultParts parts = new ResultParts(files, job.id(), 0, true);
        Tally tally = running.run(job.id(), -1, smtp, records, 0, parts::write);
        // Anything failing here fails the try: the whole list is checked again, its parts written again.
        List<Integer> kept = parts.finish();
        files.assemble(job.id(), kept, ResultWriter.csvHeader(), job.resultsKey());
        Job done = job.with(JobStatus.DONE, tally, 0);
        Job result = completion.end(done).orElse(done);
        files.deleteParts(job.id(), kept.size());
        return result;
    }

    /**
     * Sends the records to the queue in chunks, then records how many there are. Chunks may finish
     * before that count is stored, so the last step also looks for a job that is already complete.
     */
    private Job split(Job job, Iterator<InputRecords.Input> records, SmtpDepth smtp) {
        chunks.clearChunks(job.id());
        int count = splitter.send(job, records, smtp);
        Job splitUp = job.with(JobStatus.RUNNING, Tally.sum(chunks.chunks(job.id()).values()), count);
        if (!jobs.putSplit(splitUp)) {
            // Split by another try at once (an event handled twice), maybe ended: its chunks, the same, end it once.
            return jobs.job(job.id()).orElse(splitUp);
        }
        return completion.finishIfComplete(job.id(), false).orElse(splitUp);
    }

    /**
     * What became of a chunk: checked (its results stored, its part kept), or skipped because its job has ended
     * (a chunk delivered again) or is unknown here (erased, expired, or never started: a stray message).
     *
     * @param ended the job, if this chunk ended it
     */
    public record Processed(boolean checked, Optional<Job> ended) {

        static final Processed SKIPPED = new Processed(false, Optional.empty());
    }

    /** One chunk: checked, stored, its part kept, unless its job has ended or is unknown (then nothing is written). */
    public Processed process(Chunk chunk) {
        if (isClosed(chunk.job())) {
            return Processed.SKIPPED;
        }
        Tally tally;
        if (chunk.resultsKey() == null) {
            tally = running.run(chunk.job(), chunk.chunk(), chunk.depth(), chunk.records().iterator(), chunk.first(),
                    r -> { });
        } else {
            // A chunk's rows are one part (a chunk is at most ListSplitter.CHUNK_BYTES of records), numbered as the chunk.
            ResultParts part = new ResultParts(files, chunk.job(), chunk.chunk(), false);
            tally = running.run(chunk.job(), chunk.chunk(), chunk.depth(), chunk.records().iterator(), chunk.first(),
                    part::write);
            part.finish();
        }
        chunks.putChunk(chunk.job(), chunk.chunk(), tally);
        return new Processed(true, completion.finishIfComplete(chunk.job(), false));
    }

    /**
     * A chunk that failed every delivery (SQS's dead-letter queue; serve's last try): each of its records answered
     * as not checked at its position (in the store, and as the chunk's part of the results file), and the chunk
     * recorded as given up on, keeping that part, so that its job still ends (partial, or failed if nothing got
     * through) instead of running forever, with a row for every input. The rows come from the raw records alone:
     * parsing or checking them again may be what failed. Written at the chunk's positions and part, so a give-up
     * delivered twice writes and counts them once.
     */
    public Optional<Job> giveUp(Chunk chunk, String why) {
        return isClosed(chunk.job()) ? Optional.empty() : completion.giveUp(chunk, why, true);
    }

    /**
     * As {@link #giveUp(Chunk, String)} where writing the chunk's rows failed too (the store refusing writes): the
     * chunk recorded as given up on with no rows, {@code why} saying so, so that its job still ends. For the last
     * word only (serve's queue): where a retry may still write the rows (SQS), it is the one to take.
     */
    public Optional<Job> giveUpWithoutRows(Chunk chunk, String why) {
        return isClosed(chunk.job()) ? Optional.empty() : completion.giveUp(chunk, why, false);
    }

    /** Addresses of a job that wait for a recheck now (0 when none wait). */
    public int rechecking(String jobId) {
        return running.rechecking(jobId);
    }

    /** Whether nothing more is written for the job: it has ended, or it isn't in the store at all. */
    private boolean isClosed(String jobId) {
        return jobs.job(jobId).map(Job::finished).orElse(true);
    }

    /** Ends the job if every chunk of it is done or given up on (see {@link JobCompletion#finishIfComplete}). */
    Optional<Job> finishIfComplete(String jobId, boolean lastWord) {
        return completion.finishIfComplete(jobId, lastWord);
    }
}
