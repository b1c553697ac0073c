package dev.mailcheck.signals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A list with one entry a line, sorted by UTF-8 bytes (as scripts/regenerate-lists writes it), kept as
 * its bytes and searched in place. No string per entry: the 120,000 disposable domains load in a few
 * milliseconds into 2 MB, where a hash set of strings took half a second and 17 MB at start-up.
 */
final class SortedLines {

    private final byte[] bytes;
    /** Where each line starts; one more entry than lines, for the end of the last. */
    private final int[] starts;

    private SortedLines(byte[] bytes) {
        this.bytes = bytes;
        int lines = 0;
        for (byte b : bytes) {
            if (b == '\n') {
                lines++;
            }
        }
        boolean unterminated = bytes.length > 0 && bytes[bytes.length - 1] != '\n';
        starts = new int[lines + (unterminated ? 2 : 1)];
        int line = 1;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                starts[line++] = i + 1;
            }
        }
        if (unterminated) {
            starts[line] = bytes.length + 1;
        }
    }

    static SortedLines resource(String path) {
        try (InputStream in = SortedLines.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the build");
            }
            return new SortedLines(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean contains(String entry) {
        byte[] key = entry.getBytes(StandardCharsets.UTF_8);
        int low = 0;
        int high = starts.length - 2;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = Arrays.compareUnsigned(bytes, starts[mid], starts[mid + 1] - 1, key, 0, key.length);
            if (c == 0) {
                return true;
            }
            if (c < 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return false;
    }
}
