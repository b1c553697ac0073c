package dev.mailcheck.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import dev.mailcheck.store.JobLifecycle.Gone;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The files of a {@link LocalResultStore}: {@code jobs/ID.json} (each written through a rename),
 * {@code results/ID.jsonl} ({@link ResultFile}), {@code gone/ID} (a tombstone: when, TAB, why), and a lock
 * held while the store is open: two servers writing one directory would remove each other's jobs.
 */
final class StoreDirectory implements AutoCloseable {

    private final Path dir;
    private final FileChannel lock;
    private final ObjectMapper json = new ObjectMapper();

    /** @throws IOException also when another store holds the directory */
    StoreDirectory(Path dir) throws IOException {
        this.dir = dir;
        if (!Files.isDirectory(dir)) {
            // Addresses are personal data: a directory made here is its owner's alone.
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        for (String sub : List.of("jobs", "results", "gone")) {
            Files.createDirectories(dir.resolve(sub));
        }
        this.lock = lock(dir);
    }

    static Path temporary() {
        try {
            return Files.createTempDirectory("checker-store-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    Path results(String id) {
        return dir.resolve("results").resolve(id + ".jsonl");
    }

    private Path job(String id) {
        return dir.resolve("jobs").resolve(id + ".json");
    }

    private Path tombstone(String id) {
        return dir.resolve("gone").resolve(id);
    }

    /** The tombstones found, oldest first; a write cut short is erased. */
    Map<String, Gone> tombstones() throws IOException {
        List<Map.Entry<String, Gone>> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("gone"))) {
            for (Path p : files.toList()) {
                String[] line = Files.readString(p).split("\t", 2);
                if (p.getFileName().toString().endsWith(".partial") || line.length < 2) {
                    delete(p);
                    continue;
                }
                found.add(Map.entry(p.getFileName().toString(), new Gone(Instant.parse(line[0]), line[1])));
            }
        }
        found.sort(Map.Entry.comparingByValue(Comparator.comparing(Gone::when)));
        Map<String, Gone> out = new LinkedHashMap<>();
        found.forEach(t -> out.put(t.getKey(), t.getValue()));
        return out;
    }

    /**
     * The jobs found; a write cut short is erased, and so are results without a job (a POST /v1/checks cut
     * off before its job was stored).
     */
    List<Job> jobs() throws IOException {
        List<Job> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("jobs"))) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().endsWith(".json")) {
                    delete(p);
                    continue;
                }
                found.add(read(json.readTree(p.toFile())));
            }
        }
        try (Stream<Path> files = Files.list(dir.resolve("results"))) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (!Files.exists(job(name.substring(0, Math.max(0, name.length() - ".jsonl".length()))))) {
                    delete(p);
                }
            }
        }
        return found;
    }

    void writeJob(Job job) {
        ObjectNode out = json.createObjectNode();
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
        ArrayNode heldBack = out.putArray("held_back");
        job.heldBack().forEach(h -> heldBack.addObject().put("group", h.group()).put("not_tried", h.notTried())
                .put("waited", h.waited()));
        try {
            writeAtomically(job(job.id()), json.writeValueAsBytes(out));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Erases the job's record and its results. */
    void deleteJob(String id) {
        delete(results(id));
        delete(job(id));
    }

    void writeGone(String id, Gone gone) {
        writeAtomically(tombstone(id), (gone.when() + "\t" + gone.why()).getBytes(StandardCharsets.UTF_8));
    }

    void deleteGone(String id) {
        delete(tombstone(id));
    }

    /** Releases the directory to another store. */
    @Override
    public void close() {
        try {
            lock.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Erases the directory and everything in it. */
    void erase() {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
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
                in.hasNonNull("not_checked") ? in.get("not_checked").asLong() : null, text(in.get("error")),
                HeldBack.sum(StreamSupport.stream(in.path("held_back").spliterator(), false).map(h -> new HeldBack(
                        h.path("group").asText(), h.path("not_tried").asLong(), h.path("waited").asLong())).toList()));
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
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
}
