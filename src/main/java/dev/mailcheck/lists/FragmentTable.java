package dev.mailcheck.lists;

import java.util.Arrays;

/**
 * Fragments by slot. A miss replaces the fragment in its slot only if that was not copied since it was kept or
 * last spared (a second chance): else the many domains a list names once or twice would push out, in turn, the
 * popular domain that shares their slot.
 *
 * <p>Apart from {@link JsonlWriter}'s record layout because which text is kept, spared or pushed out (the slots, the
 * second chance, the bound on kept bytes) decides the writer's memory and speed but never a byte of its output, and
 * is tuned on its own.
 */
final class FragmentTable {
    /**
     * How many domains' fragments a table keeps (a power of two). On the 1,000,000-address bench list (Zipf over
     * 80,546 domains) 16,384 slots, each taken by whichever domain came last, copied 65% of the fragments; 32,768
     * with a second chance for the fragment in a slot copy 76% (92% is the most: a domain's first address writes).
     */
    static final int SLOTS = 1 << 15;
    /**
     * The most bytes of text a table keeps, so its memory is bounded whatever the details and MX lists
     * are: 32 MiB of text + 32,768 entries of under 100 bytes ≤ 36 MiB. The bench list's texts take 8-18 MiB;
     * a list of one address per domain keeps none (text is kept from a domain's second sighting).
     */
    private static final int KEPT_BYTES = 32 << 20;

    /**
     * The text written for parts {@code a} to {@code g} (null at their first sighting, so that the many domains a
     * list names once cost no copy and no memory), kept while a later result has the very same parts: the
     * addresses of a domain share its answer's objects. Compared by identity, as comparing long details by content
     * cost more than writing them. The parts are fields, not an array: one object less to allocate and to reach.
     * The text may be two pieces, written apart in a record ({@code split} is where the first ends): one fragment
     * a domain, not one a piece, as each look-up of a table this size is a read from memory.
     */
    static final class Fragment {
        final Object a;
        final Object b;
        final Object c;
        final Object d;
        final Object e;
        final Object f;
        final Object g;
        final byte[] text;
        final int split;
        /** Copied since it was kept, or since a miss on its slot last spared it. */
        boolean used;

        Fragment(Object a, Object b, Object c, Object d, Object e, Object f, Object g, byte[] text, int split) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.d = d;
            this.e = e;
            this.f = f;
            this.g = g;
            this.text = text;
            this.split = split;
        }

        boolean isFor(Object a, Object b, Object c, Object d, Object e, Object f, Object g) {
            return this.a == a && this.b == b && this.c == c && this.d == d && this.e == e && this.f == f
                    && this.g == g;
        }
    }

    final Fragment[] slots;
    private long keptBytes;

    FragmentTable(int size) {
        slots = new Fragment[size];
    }

    /** The slot of a domain's hash: its high bits mixed in, as HashMap does, so similar names spread. */
    static int spread(int hash) {
        return (hash ^ hash >>> 16) & (SLOTS - 1);
    }

    /** The fragment with text kept in {@code slot} for these parts, or null; the caller copies its text. */
    Fragment kept(int slot, Object a, Object b, Object c, Object d, Object e, Object f, Object g) {
        Fragment k = slots[slot];
        if (k == null || k.text == null || !k.isFor(a, b, c, d, e, f, g)) {
            return null;
        }
        k.used = true;
        return k;
    }

    /**
     * After a miss: notes these parts in {@code slot}, or keeps the text written for them (the bytes of
     * {@code line} from {@code start} to {@code end}, then from {@code start2} to its end) when they are noted there
     * already; unless the slot's own fragment gets another chance.
     */
    void keep(int slot, Object a, Object b, Object c, Object d, Object e, Object f, Object g, JsonLine line,
              int start, int end, int start2) {
        Fragment k = slots[slot];
        if (k != null && k.used) {
            k.used = false;
            return;
        }
        if (k == null || !k.isFor(a, b, c, d, e, f, g)) {
            slots[slot] = new Fragment(a, b, c, d, e, f, g, null, 0);
            keptBytes -= k == null || k.text == null ? 0 : k.text.length;
            return;
        }
        int first = end - start;
        int length = first + line.len - start2;
        if (keptBytes + length <= KEPT_BYTES) {
            byte[] text = Arrays.copyOfRange(line.buf, start, start + length);
            System.arraycopy(line.buf, start2, text, first, line.len - start2);
            slots[slot] = new Fragment(a, b, c, d, e, f, g, text, first);
            keptBytes += length;
        }
    }
}
