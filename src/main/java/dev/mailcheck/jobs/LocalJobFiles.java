package dev.mailcheck.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Results files in a directory of this machine, for a server that keeps them ({@code checker serve} with a data
 * directory): parts under {@code work/<job>/}, each results file the header and the parts concatenated, written
 * to a temporary name and moved into place so that a reader never sees half of one.
 */
public final class LocalJobFiles implements JobFiles {

    private final Path dir;

    public LocalJobFiles(Path dir) {
        this.dir = dir;
    }

    @Override
    public void putPart(String jobId, int part, String rows) {
        try {
            Path file = part(jobId, part);
            Files.createDirectories(file.getParent());
            Files.writeString(file, rows, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void assemble(String jobId, List<Integer> parts, String header, String resultsKey) {
        Path target = results(resultsKey);
        try {
            Files.createDirectories(target.getParent());
            Path partial = Files.createTempFile(target.getParent(), ".assembling-", ".csv");
            try {
                try (OutputStream out = Files.newOutputStream(partial)) {
                    out.write(header.getBytes(StandardCharsets.UTF_8));
                    for (int part : parts) {
                        Files.copy(part(jobId, part), out);
                    }
                }
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void deleteParts(String jobId, int parts) {
        try {
            for (int i = 0; i < parts || Files.exists(part(jobId, i)); i++) {
                Files.deleteIfExists(part(jobId, i));
            }
            Files.deleteIfExists(part(jobId, 0).getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where a results file is: its key, under the directory (no key leaves it). */
    public Path results(String resultsKey) {
        Path file = dir.resolve(resultsKey).normalize();
        if (!file.startsWith(dir.normalize())) {
            throw new IllegalArgumentException("a results key outside the directory: " + resultsKey);
        }
        return file;
    }

    private Path part(String jobId, int part) {
        return results("work/" + jobId + "/" + String.format("%06d.csv", part));
    }
}
