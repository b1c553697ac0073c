package dev.mailcheck.signals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * A list with one entry a line, sorted by UTF-8 bytes (as scripts/regenerate-lists writes it), kept as
 * its bytes and searched in place. No string per entry: the 120,000 disposable domains load in a few
 * milliseconds into 2 MB, where a hash set of strings took half a second and 17 MB at start-up.
 */
final class SortedLines {

    private final byte[] bytes;
    /** Where each line starts; one more entry than lines, for the end of the last. */
    private final int[] starts;

    SortedLines(byte[] bytes) {
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
        return contains("", entry, 0, entry.length());
    }

    /**
     * Whether {@code prefix} followed by {@code key} from {@code from} to {@code to} is a line, without making
     * that string: for the look-ups of every domain and address, where the bytes of each key cost more than the
     * search. An ASCII key (nearly every one) is compared character by character, each its own UTF-8 byte.
     */
    boolean contains(String prefix, String key, int from, int to) {
        if (ascii(prefix, 0, prefix.length()) && ascii(key, from, to)) {
            return search(line -> compare(line, prefix, key, from, to));
        }
        byte[] utf8 = (prefix + key.substring(from, to)).getBytes(StandardCharsets.UTF_8);
        return search(line -> Arrays.compareUnsigned(bytes, starts[line], starts[line + 1] - 1, utf8, 0, utf8.length));
    }

    /** As {@link Arrays#compareUnsigned} of the line's bytes with the ASCII key's. */
    private int compare(int line, String prefix, String key, int from, int to) {
        int at = starts[line];
        int length = starts[line + 1] - 1 - at;
        int p = prefix.length();
        int keyLength = p + to - from;
        for (int i = 0, common = Math.min(length, keyLength); i < common; i++) {
            int d = (bytes[at + i] & 0xFF) - (i < p ? prefix.charAt(i) : key.charAt(from + i - p));
            if (d != 0) {
                return d;
            }
        }
        return length - keyLength;
    }

    private static boolean ascii(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Binary search of the lines, by how each compares with the key sought. */
    private boolean search(IntUnaryOperator lineToKey) {
        int low = 0;
        int high = starts.length - 2;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = lineToKey.applyAsInt(mid);
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
