package dev.mailcheck.signals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A list with one entry a line, kept as its bytes and found through a hash table of line numbers. No string per
 * entry: the 120,000 disposable domains load into 2 MB plus a 2 MB table, where a hash set of strings took half a
 * second and 17 MB at start-up. Hashed rather than binary-searched: a domain's disposable look-up is four searches
 * (the name, then each wildcard above it), and 17 comparisons each, scattered over 2 MB, were a tenth of the DNS
 * answers thread's time on 100,000 new domains; a table look-up compares one line or two.
 */
final class LineSet {

    private final byte[] bytes;
    /** Each line's start (high half) and length (low half), in the order of the bytes; the lines of this set only. */
    private final long[] lines;
    /**
     * Open addressing, linear probing: at a line's hash's slot or after it, the hash (high half) and the line's
     * number plus one (low half); 0 for none. The hash kept beside the number answers most look-ups of a domain that
     * is not listed (nearly all of them) from the table alone, where the line's bytes are one or two reads more.
     */
    private final long[] table;
    /**
     * Two bits a line, both in one word chosen by its hash: a look-up whose bits are not both set is answered
     * without reading the table. At 8 bits a line this filter (128 KiB for the disposable list) stays in the
     * core's cache where the 2 MiB table does not, and a table read was a miss from memory for nearly every domain
     * of a list of new ones (each asked for four times: the name, then each wildcard above it), though under 5%
     * of unlisted keys pass the filter. Written here, not taken from a library: a library filter hashes objects
     * of its own, where this one reuses the hash the table needs anyway.
     */
    private final long[] filter;

    /** Every line of {@code bytes}. */
    LineSet(byte[] bytes) {
        this(bytes, scan(bytes, null, null, new Lines()));
    }

    /**
     * The lines of {@code bytes} that begin with a prefix, and the others: two sets from one pass over the bytes,
     * which both keep and share.
     */
    record ByPrefix(LineSet with, LineSet without) {
    }

    /**
     * Split in one pass: copying a filter's lines out first, then counting, splitting and hashing them in passes of
     * their own, took the disposable list (2 MB, read before the first address is) 30 ms of each run's start.
     */
    static ByPrefix byPrefix(byte[] bytes, String prefix) {
        Lines with = new Lines();
        Lines without = scan(bytes, prefix.getBytes(StandardCharsets.UTF_8), with, new Lines());
        return new ByPrefix(new LineSet(bytes, with), new LineSet(bytes, without));
    }

    /** Lines found in a pass: each one's start and length, and its hash. */
    private static final class Lines {
        long[] spans = new long[1024];
        int[] hashes = new int[spans.length];
        int count;

        void add(int start, int end, int hash) {
            if (count == spans.length) {
                spans = Arrays.copyOf(spans, count * 2);
                hashes = Arrays.copyOf(hashes, count * 2);
            }
            spans[count] = (long) start << 32 | end - start;
            hashes[count++] = hash;
        }
    }

    /** Each line of {@code bytes} into {@code with} when it begins with {@code prefix}, else into {@code others}. */
    private static Lines scan(byte[] bytes, byte[] prefix, Lines with, Lines others) {
        for (int start = 0; start < bytes.length; ) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            boolean prefixed = prefix != null
                    && Arrays.equals(bytes, start, Math.min(start + prefix.length, end), prefix, 0, prefix.length);
            (prefixed ? with : others).add(start, end, hash(bytes, start, end));
            start = end + 1;
        }
        return others;
    }

    private LineSet(byte[] bytes, Lines found) {
        this.bytes = bytes;
        int count = found.count;
        lines = Arrays.copyOf(found.spans, count);
        table = new long[Integer.highestOneBit(Math.max(count, 1) * 2 - 1) << 1];
        for (int l = 0; l < count; l++) {
            int slot = spread(found.hashes[l]);
            while (table[slot] != 0) {
                slot = slot + 1 & table.length - 1;
            }
            table[slot] = (long) found.hashes[l] << 32 | l + 1;
        }
        filter = new long[Math.max(1, table.length / 16)];
        for (int l = 0; l < count; l++) {
            long x = mix(found.hashes[l]);
            filter[filterWord(x)] |= filterBits(x);
        }
    }

    /**
     * The line hash mixed for the filter: FNV-1a's low bits, from which the bits are taken, depend only on the
     * low bits of each byte.
     */
    private static long mix(int h) {
        return h * 0x9E3779B97F4A7C15L;
    }

    private int filterWord(long x) {
        return (int) (x >>> 40) & filter.length - 1;
    }

    private static long filterBits(long x) {
        return 1L << (x >>> 20) | 1L << (x >>> 26); // a shift takes its count's low 6 bits
    }

    /** Whether a key of this hash may be a line: false only when it is not. */
    private boolean mayContain(int h) {
        long x = mix(h);
        long bits = filterBits(x);
        return (filter[filterWord(x)] & bits) == bits;
    }

    static LineSet resource(String path) {
        return new LineSet(bytes(path));
    }

    static byte[] bytes(String path) {
        try (InputStream in = LineSet.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the build");
            }
            return in.readAllBytes();
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
     * look-up. An ASCII key (nearly every one) is hashed and compared character by character, each its own UTF-8
     * byte.
     */
    boolean contains(String prefix, String key, int from, int to) {
        if (ascii(prefix, 0, prefix.length()) && ascii(key, from, to)) {
            int h = hash(0x811c9dc5, prefix, 0, prefix.length());
            h = hash(h, key, from, to);
            if (!mayContain(h)) {
                return false;
            }
            int keyLength = prefix.length() + to - from;
            for (int slot = spread(h); table[slot] != 0; slot = slot + 1 & table.length - 1) {
                long line = lines[(int) table[slot] - 1];
                if ((int) (table[slot] >>> 32) == h && (int) line == keyLength
                        && same((int) (line >>> 32), prefix, key, from, to)) {
                    return true;
                }
            }
            return false;
        }
        return contains((prefix + key.substring(from, to)).getBytes(StandardCharsets.UTF_8));
    }

    private boolean contains(byte[] utf8) {
        int h = hash(utf8, 0, utf8.length);
        if (!mayContain(h)) {
            return false;
        }
        for (int slot = spread(h); table[slot] != 0; slot = slot + 1 & table.length - 1) {
            long line = lines[(int) table[slot] - 1];
            int at = (int) (line >>> 32);
            if ((int) (table[slot] >>> 32) == h && Arrays.equals(bytes, at, at + (int) line, utf8, 0, utf8.length)) {
                return true;
            }
        }
        return false;
    }

    /** FNV-1a over bytes: a line's, or a key's UTF-8. */
    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            h = (h ^ (b[i] & 0xFF)) * 0x01000193;
        }
        return h;
    }

    /** FNV-1a over the characters of an ASCII range: the same as over its UTF-8 bytes. */
    private static int hash(int h, String s, int from, int to) {
        for (int i = from; i < to; i++) {
            h = (h ^ s.charAt(i)) * 0x01000193;
        }
        return h;
    }

    private int spread(int h) {
        return (h ^ h >>> 16) & table.length - 1;
    }

    /** Whether the line at {@code at} (of the key's length) holds the prefix and then the key's range. */
    private boolean same(int at, String prefix, String key, int from, int to) {
        int p = prefix.length();
        for (int i = 0; i < p; i++) {
            if (bytes[at + i] != prefix.charAt(i)) {
                return false;
            }
        }
        for (int i = from, j = at + p; i < to; i++, j++) {
            if (bytes[j] != key.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascii(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
