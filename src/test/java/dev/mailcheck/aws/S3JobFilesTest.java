package dev.mailcheck.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import dev.mailcheck.cli.LocalContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A results file assembled in S3 from its parts, never on local disk: how the parts become the pieces of a
 * multipart upload (S3's rules: every piece but the last at least 5 MiB, at most 10,000 pieces), and the
 * assembly run against moto with the chunk function's permissions.
 */
class S3JobFilesTest {

    private static final long MIB = 1024 * 1024;

    /**
     * Sizes: "6M" is 6 MiB, a bare number bytes. Pieces: C(i) copies part i; B(h,from,to) sends the header (h) and
     * parts from..to-1 in one request.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # scenario                                      | header | sizes           | pieces
            nothing checked: the header alone               | 10     | ''              | B(h,0,0)
            a small file: one batch                         | 10     | 100 200         | B(h,0,2)
            large parts copied, small ones batched          | 10     | 6M 6M 100 6M    | B(h,0,1) C(1) B(2,4)
            no header: the first large part copied too      | 0      | 6M 100          | C(0) B(1,2)
            small parts batched until 5 MiB                 | 10     | 3M 3M 3M        | B(h,0,2) B(2,3)
            a large last part after a batch is copied        | 10     | 5M 5M           | B(h,0,1) C(1)
            """)
    void partsBecomePiecesOfAtLeastFiveMiBButTheLast(String scenario, long header, String sizes, String pieces) {
        List<Long> parts = sizes.isBlank() ? List.of() : Arrays.stream(sizes.split(" "))
                .map(s -> s.endsWith("M") ? Long.parseLong(s.substring(0, s.length() - 1)) * MIB : Long.parseLong(s))
                .toList();
        assertEquals(pieces, S3JobFiles.plan(header, parts).stream().map(p -> switch (p) {
            case S3JobFiles.Copy c -> "C(" + c.part() + ")";
            case S3JobFiles.Batch b -> "B(" + (b.header() ? "h," : "") + b.from() + "," + b.to() + ")";
        }).collect(Collectors.joining(" ")));
    }

    /** More parts than S3 takes pieces: the pieces grow so that there are at most 10,000, each but the last large. */
    @Test
    void neverMoreThanTenThousandPieces() {
        List<Long> parts = Collections.nCopies(25_000, 6 * MIB);
        List<S3JobFiles.Piece> pieces = S3JobFiles.plan(100, parts);
        assertTrue(pieces.size() <= S3JobFiles.MAX_PARTS, pieces.size() + " pieces");
        for (S3JobFiles.Piece p : pieces.subList(0, pieces.size() - 1)) {
            long size = p instanceof S3JobFiles.Batch b ? (b.to() - b.from()) * 6 * MIB : 6 * MIB;
            assertTrue(size >= S3JobFiles.MIN_PART, p.toString());
        }
        int covered = pieces.stream().mapToInt(p -> p instanceof S3JobFiles.Batch b ? b.to() - b.from() : 1).sum();
        assertEquals(parts.size(), covered, "every part, once");
    }

    /**
     * Parts are read, and pieces sent, side by side: with 40 ms added to every S3 request (an interceptor on the
     * chunk function's client; moto on loopback answers at once, S3 in tens of milliseconds for objects this small),
     * 300 parts of 40 KB, three pieces, assemble in a third of what their reads take one after another (12 s), in
     * order. Before (found by a review), one after another: the 5,000 reads of a 10,000,000-line job did not fit the
     * chunk function's 180 s.
     */
    @Test
    void partsAreReadSideBySide() {
        try (MotoStack stack = new MotoStack()) {
            Duration latency = Duration.ofMillis(40);
            S3Client slow = slowClient(stack, latency);
            S3JobFiles writer = new S3JobFiles(stack.admin.s3(), MotoStack.BUCKET);
            StringBuilder expected = new StringBuilder("address\n");
            List<Integer> parts = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String rows = ("user" + i + "@x.test\n").repeat(40_000 / 14);
                writer.putPart("job", i, rows);
                expected.append(rows);
                parts.add(i);
            }
            long start = System.nanoTime();
            new S3JobFiles(slow, MotoStack.BUCKET).assemble("job", parts, "address\n", "results/job.csv");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(expected.toString(), stack.admin.s3().getObjectAsBytes(b -> b.bucket(MotoStack.BUCKET)
                    .key("results/job.csv")).asString(StandardCharsets.UTF_8));
            assertTrue(took.compareTo(latency.multipliedBy(parts.size() / 3)) < 0, "assembled in " + took);
        }
    }

    /**
     * The same 300 parts, 40 ms a request, in an invocation whose end (its time less {@link Invocation#MARGIN}) is
     * 300 ms away: the assembly stops there, the multipart upload aborted and no results file written, so the
     * function fails like any other and is not killed (a kill runs no failure function's last word). Before (found by
     * a review), it ran on to its end, past the invocation's.
     */
    @Test
    void anAssemblyStopsAtItsInvocationsEnd() {
        try (MotoStack stack = new MotoStack()) {
            S3Client slow = slowClient(stack, Duration.ofMillis(40));
            S3JobFiles writer = new S3JobFiles(stack.admin.s3(), MotoStack.BUCKET);
            List<Integer> parts = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                writer.putPart("job", i, ("user" + i + "@x.test\n").repeat(40_000 / 14));
                parts.add(i);
            }
            long start = System.nanoTime();
            IllegalStateException stopped;
            try (Invocation in = Invocation.of(new LocalContext("sqs", Invocation.MARGIN.plusMillis(300)))) {
                stopped = assertThrows(IllegalStateException.class, () -> new S3JobFiles(slow, MotoStack.BUCKET)
                        .assemble("job", parts, "address\n", "results/job.csv"));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(stopped.getMessage().contains("within the function's time"), stopped.getMessage());
            assertTrue(took.compareTo(Duration.ofSeconds(3)) < 0, "stopped after " + took); // at its end, give or take load
            assertEquals(0, stack.admin.s3().listObjectsV2(b -> b.bucket(MotoStack.BUCKET)).contents().stream()
                    .filter(o -> o.key().startsWith("results/")).count(), "no results file");
            assertTrue(stack.admin.s3().listMultipartUploads(b -> b.bucket(MotoStack.BUCKET)).uploads().isEmpty(),
                    "the multipart upload aborted");
            assertEquals(Instant.MAX, Invocation.end(), "no end after the invocation");
        }
    }

    /** The chunk function's S3 client, every request {@code latency} late, as small objects' requests are on S3. */
    private static S3Client slowClient(MotoStack stack, Duration latency) {
        return S3Client.builder().endpointOverride(stack.chunk.endpoint()).forcePathStyle(true)
                .region(Region.US_EAST_1).credentialsProvider(stack.chunk.credentials())
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                        try {
                            Thread.sleep(latency);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                })).build();
    }

    /**
     * Under moto, with the chunk function's role: a large first part (sent with the header), a large one copied
     * with UploadPartCopy, small ones batched; the file is the header then the parts in the order asked, and the
     * parts are deleted afterwards, those past the count given found by HEAD. A missing part fails the assembly
     * and leaves no results file.
     */
    @Test
    void assemblesInS3InTheOrderAsked() {
        try (MotoStack stack = new MotoStack()) {
            S3Client admin = stack.admin.s3();
            S3JobFiles files = new S3JobFiles(stack.chunk.s3(), MotoStack.BUCKET);
            List<String> rows = new ArrayList<>();
            rows.add("a".repeat((int) (6 * MIB)) + "\n");
            rows.add("b".repeat((int) (6 * MIB)) + "\n");
            rows.add("c@x\n");
            rows.add("d@x\n");
            for (int i = 0; i < rows.size(); i++) {
                files.putPart("job", i, rows.get(i));
            }
            files.assemble("job", List.of(0, 1, 3, 2), "address\n", "results/job.csv");
            String file = admin.getObjectAsBytes(b -> b.bucket(MotoStack.BUCKET).key("results/job.csv"))
                    .asString(StandardCharsets.UTF_8);
            assertEquals("address\n" + rows.get(0) + rows.get(1) + rows.get(3) + rows.get(2), file);
            String etag = admin.headObject(b -> b.bucket(MotoStack.BUCKET).key("results/job.csv")).eTag();
            assertTrue(etag.endsWith("-3\""), "three pieces of a multipart upload: " + etag);

            files.deleteParts("job", 1);
            assertEquals(List.of("results/job.csv"), admin.listObjectsV2Paginator(b -> b.bucket(MotoStack.BUCKET))
                    .contents().stream().map(S3Object::key).toList());

            files.putPart("other", 0, "e@x\n");
            RuntimeException missing = assertThrows(RuntimeException.class,
                    () -> files.assemble("other", List.of(0, 1), "address\n", "results/other.csv"));
            assertTrue(missing.getMessage().contains("missing"), missing.getMessage());
            assertEquals(0, admin.listObjectsV2(b -> b.bucket(MotoStack.BUCKET)).contents().stream()
                    .filter(o -> o.key().equals("results/other.csv")).count());
        }
    }
}
