package dev.mailcheck.jobs;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a job's results file and the parts it is assembled from live (S3 in Lambda). A job without a results
 * file ({@code checker serve}'s, whose results are read from the store) never asks for one.
 */
public interface JobFiles {

    /** Keeps a chunk's rows of the results file (CSV, its header first) until the last chunk assembles them. */
    void putPart(String bucket, String jobId, int chunk, String csv);

    /** A part stored by {@link #putPart}, to be read once and closed. */
    BufferedReader part(String bucket, String jobId, int chunk) throws IOException;

    /** Stores the job's results file, written whole to {@code csv} first. */
    void putResults(String bucket, String key, Path csv);

    /** Deletes the parts of chunks {@code 0..chunks-1}; a part that isn't there is no error. */
    void deleteParts(String bucket, String jobId, int chunks);
}
