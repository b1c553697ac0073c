package dev.mailcheck.aws;

import dev.mailcheck.jobs.JobFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A job's results file under {@code results/} of the uploads bucket, and its parts under {@code work/}. The
 * file is assembled in S3 (a multipart upload: parts of at least {@link #MIN_PART} copied where they are with
 * UploadPartCopy, smaller ones batched in memory to that size), never on the function's local disk, so no
 * job's size is bounded by {@code /tmp}.
 */
final class S3JobFiles implements JobFiles {

    /** Parts of results files, until the job's last step assembles them. */
    static final String WORK = "work/";
    static final String CSV_TYPE = "text/csv; charset=utf-8";
    /** S3's smallest part of a multipart upload, but the last. */
    static final long MIN_PART = 5L * 1024 * 1024;
    /** S3's most parts of a multipart upload. */
    static final int MAX_PARTS = 10_000;
    /** Requests for parts in flight at once: HEADs while sizing them, GETs while reading a piece's. */
    private static final int HEADS = 16;
    /**
     * Pieces read and sent at once, each held in memory (5 MiB or more) until S3 has it: one after another, the
     * 5,000 reads of a 10,000,000-line job's parts (tens of milliseconds each) did not fit the chunk function's 180 s
     * (found by a review).
     */
    private static final int PIECES = 4;

    private final S3Client s3;
    private final String bucket;

    S3JobFiles(S3Client s3, String bucket) {
        if (bucket == null) {
            throw new IllegalStateException("UPLOAD_BUCKET is not set: it names where results files and their parts go");
        }
        this.s3 = s3;
        this.bucket = bucket;
    }

    @Override
    public void putPart(String jobId, int part, String rows) {
        s3.putObject(b -> b.bucket(bucket).key(partKey(jobId, part)).contentType(CSV_TYPE),
                RequestBody.fromString(rows, StandardCharsets.UTF_8));
    }

    /** One piece of the results file: a part copied as it is, or bytes sent (the header and small parts, batched). */
    sealed interface Piece {
    }

    /** Part {@code part} (an index into the parts given), copied in S3. */
    record Copy(int part) implements Piece {
    }

    /** The header (if {@code header}) and parts {@code from..to-1}, read and sent as one. */
    record Batch(boolean header, int from, int to) implements Piece {
    }

    /**
     * How the results file is made of pieces: every piece but the last at least {@code target} bytes, parts that
     * big copied alone, smaller ones batched in order with their neighbours. {@code target} is S3's minimum, or
     * more when that many pieces would exceed S3's most.
     */
    static List<Piece> plan(long headerBytes, List<Long> sizes) {
        long total = headerBytes + sizes.stream().mapToLong(Long::longValue).sum();
        long target = Math.max(MIN_PART, Math.ceilDiv(total, MAX_PARTS - 1));
        List<Piece> pieces = new ArrayList<>();
        boolean header = headerBytes > 0;
        int from = 0;
        long batched = headerBytes;
        for (int i = 0; i < sizes.size(); i++) {
            long size = sizes.get(i);
            if (size >= target && batched == 0) {
                pieces.add(new Copy(i));
                from = i + 1;
                continue;
            }
            batched += size;
            if (batched >= target) {
                pieces.add(new Batch(header, from, i + 1));
                header = false;
                from = i + 1;
                batched = 0;
            }
        }
        if (batched > 0 || header || pieces.isEmpty()) {
            pieces.add(new Batch(header, from, sizes.size()));
        }
        return pieces;
    }

    @Override
    public void assemble(String jobId, List<Integer> parts, String header, String resultsKey) {
        Instant end = Invocation.end();
        List<String> keys = parts.stream().map(part -> partKey(jobId, part)).toList();
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        List<Piece> pieces = plan(headerBytes.length, sizes(keys, end));
        if (pieces.size() == 1 && pieces.getFirst() instanceof Batch only) {
            // A small file: one plain put, no multipart upload.
            s3.putObject(b -> b.bucket(bucket).key(resultsKey).contentType(CSV_TYPE),
                    RequestBody.fromBytes(read(only, headerBytes, keys, end)));
            return;
        }
        String upload = s3.createMultipartUpload(b -> b.bucket(bucket).key(resultsKey).contentType(CSV_TYPE)).uploadId();
        try {
            List<Callable<CompletedPart>> sends = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                Piece piece = pieces.get(i);
                int number = i + 1;
                sends.add(() -> {
                    String etag = switch (piece) {
                        case Copy c -> s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(keys.get(c.part()))
                                .destinationBucket(bucket).destinationKey(resultsKey).uploadId(upload).partNumber(number))
                                .copyPartResult().eTag();
                        case Batch batch -> s3.uploadPart(b -> b.bucket(bucket).key(resultsKey).uploadId(upload)
                                .partNumber(number), RequestBody.fromBytes(read(batch, headerBytes, keys, end))).eTag();
                    };
                    return CompletedPart.builder().partNumber(number).eTag(etag).build();
                });
            }
            List<CompletedPart> done = all(sends, PIECES, end);
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(resultsKey).uploadId(upload)
                    .multipartUpload(m -> m.parts(done)));
        } catch (RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(resultsKey).uploadId(upload));
            } catch (RuntimeException abort) {
                // The bucket's lifecycle rule aborts what is left after a day.
                e.addSuppressed(abort);
            }
            throw e;
        }
    }

    /** The header (if the batch has it) and the batch's parts, read side by side, in order. */
    private byte[] read(Batch batch, byte[] header, List<String> keys, Instant end) {
        List<Callable<byte[]>> reads = new ArrayList<>();
        for (String key : keys.subList(batch.from(), batch.to())) {
            reads.add(() -> {
                try (ResponseInputStream<GetObjectResponse> part = s3.getObject(b -> b.bucket(bucket).key(key))) {
                    return part.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (batch.header()) {
            out.writeBytes(header);
        }
        all(reads, HEADS, end).forEach(out::writeBytes);
        return out.toByteArray();
    }

    /**
     * Each task's result, in order, {@code atOnce} running at a time; the first failure is thrown, the rest not begun,
     * as they are when {@code end} ({@link Invocation#end}) comes first.
     */
    private static <T> List<T> all(List<Callable<T>> tasks, int atOnce, Instant end) {
        ExecutorService pool = Executors.newFixedThreadPool(atOnce, Thread.ofVirtual().factory());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(task));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                Duration left = Duration.between(Instant.now(), end);
                if (!left.isPositive()) {
                    throw new TimeoutException();
                }
                // Outside an invocation the end is Instant.MAX, past what nanoseconds hold.
                results.add(left.getSeconds() >= Long.MAX_VALUE / 1_000_000_000L ? f.get()
                        : f.get(left.toNanos(), TimeUnit.NANOSECONDS));
            }
            return results;
        } catch (TimeoutException e) {
            throw new IllegalStateException("the results file was not assembled within the function's time (its end "
                    + "less " + Invocation.MARGIN.toSeconds() + " s)", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while assembling a results file", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The sizes of the parts, by a HEAD each, {@link #HEADS} at a time (a 10,000,000-line job has 5,000 parts).
     * Not a listing: moto, which the tests enforce the template's policies in, refuses the signature of a
     * ListObjectsV2 whose parameters hold a slash.
     */
    private List<Long> sizes(List<String> keys, Instant end) {
        List<Callable<Long>> heads = new ArrayList<>();
        for (String key : keys) {
            heads.add(() -> {
                try {
                    return s3.headObject(b -> b.bucket(bucket).key(key)).contentLength();
                } catch (S3Exception e) {
                    if (e.statusCode() != 404) {
                        throw e;
                    }
                    throw new IllegalStateException("a part of the results file is missing: s3://" + bucket + "/"
                            + key, e);
                }
            });
        }
        return all(heads, HEADS, end);
    }

    /**
     * One DeleteObject per part: S3 authorizes DeleteObjects per key, but moto (which the tests run the
     * template's policies in) authorizes it against the bucket, which the policies rightly don't grant. Parts
     * past {@code parts} are found by HEAD, up to the first missing (a list checked in one piece that broke off
     * kept an unknown number). The bucket's work/ lifecycle rule is the backstop.
     */
    @Override
    public void deleteParts(String jobId, int parts) {
        for (int i = 0; i < parts || exists(partKey(jobId, i)); i++) {
            String key = partKey(jobId, i);
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        }
    }

    private boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false; // a 404 only for a caller allowed s3:ListBucket (else 403): the policies allow it
            }
            throw e;
        }
    }

    private static String prefix(String jobId) {
        return WORK + jobId + "/";
    }

    /** Where a part of a job's results file waits to be assembled. */
    static String partKey(String jobId, int part) {
        return prefix(jobId) + String.format("%06d.csv", part);
    }
}
