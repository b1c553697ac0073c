package dev.mailcheck.jobs;

import java.util.List;

/**
 * Where a job's results file and the parts it is assembled from live: S3 in Lambda (the bucket bound inside
 * the adapter), a directory for a local server. Parts are numbered per job; each holds CSV rows without the
 * header. A job without a results file ({@code checker serve}'s, read from the store) uses {@link #NONE}, and
 * the workflow never asks it for anything.
 */
public interface JobFiles {

    /** Jobs whose results are read from the store alone: asking for a file is a defect, said at once. */
    JobFiles NONE = new JobFiles() {
        @Override
        public void putPart(String jobId, int part, String rows) {
            throw none();
        }

        @Override
        public void assemble(String jobId, List<Integer> parts, String header, String resultsKey) {
            throw none();
        }

        @Override
        public void deleteParts(String jobId, int parts) {
            throw none();
        }

        private IllegalStateException none() {
            return new IllegalStateException("this workflow keeps no results files, but a job asked for one");
        }
    };

    /** Keeps rows of the results file (CSV without its header) as part {@code part} of the job, until assembled. */
    void putPart(String jobId, int part, String rows);

    /**
     * Writes the results file {@code resultsKey}: the header line, then the parts named, in this order. Nothing
     * is written to local disk; the parts stay until {@link #deleteParts}.
     *
     * @throws RuntimeException when a part is missing or the store fails; no results file is left half written
     */
    void assemble(String jobId, List<Integer> parts, String header, String resultsKey);

    /**
     * Deletes parts {@code 0..parts-1} of the job, and any that follow them without a gap (a list checked in one
     * piece that broke off kept an unknown number); a part that isn't there is no error.
     */
    void deleteParts(String jobId, int parts);
}
