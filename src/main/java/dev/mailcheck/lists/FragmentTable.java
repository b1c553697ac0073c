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
     * How many domains' fragments each table keeps (a power of two). On the 1,000,000-address bench list (Zipf over
     * 80,546 domains) 16,384 slots, each taken by whichever domain came last, copied 65% of the fragments; 32,768
     * with a second chance for the fragment in a slot copy 76% (92% is the most: a domain's first address writes).
     */
    static final int SLOTS = 1 << 15;
    /**
     * The most bytes of text a table keeps, so the tables' memory is bounded whatever the details and MX lists
     * are: 2 × (16 MiB of text + 32,768 entries of under 100 bytes) ≤ 40 MiB. The bench list's texts take 4-9 MiB;
     * a list of one address per domain keeps none (text is kept from a domain's second sighting).
     */
    private static final int KEPT_BYTES = 16 << 20;

    /**
     * The text written for parts {@code a} to {@code d} (null at their first sighting, so that the many domains a
     * list names once cost no copy and no memory), kept while a later result has the very same parts: the
     * addresses of a domain share its answer's objects. Compared by identity, as comparing long details by content
     * cost more than writing them. The parts are fields, not an array: one object less to allocate and to reach.
     */
    static final class Fragment {
        final Object a;
        final Object b;
        final Object c;
        final Object d;
        final byte[] text;
        /** Copied since it was kept, or since a miss on its slot last spared it. */
        boolean used;

        Fragment(Object a, Object b, Object c, Object d, byte[] text) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.d = d;
            this.text = text;
        }

        boolean isFor(Object a, Object b, Object c, Object d) {
            return this.a == a && this.b == b && this.c == c && this.d == d;
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

    /** Appends the text kept in {@code slot} for these parts, if it is kept there. */
    boolean copied(int slot, Object a, Object b, Object c, Object d, JsonLine line) {
        Fragment f = slots[slot];
        if (f == null || f.text == null || !f.isFor(a, b, c, d)) {
            return false;
        }
        f.used = true;
        line.raw(f.text);
        return true;
    }

    /**
     * After a miss: notes these parts in {@code slot}, or keeps the text written from {@code start} for them when
     * they are noted there already; unless the slot's own fragment gets another chance.
     */
    void keep(int slot, Object a, Object b, Object c, Object d, JsonLine line, int start) {
        Fragment f = slots[slot];
        if (f != null && f.used) {
            f.used = false;
            return;
        }
        if (f == null || !f.isFor(a, b, c, d)) {
            slots[slot] = new Fragment(a, b, c, d, null);
            keptBytes -= f == null || f.text == null ? 0 : f.text.length;
            return;
        }
        if (keptBytes + (line.len - start) <= KEPT_BYTES) {
            slots[slot] = new Fragment(a, b, c, d, Arrays.copyOfRange(line.buf, start, line.len));
            keptBytes += line.len - start;
        }
    }
}
