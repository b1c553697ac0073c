package dev.mailcheck.dns;

import java.util.List;
import org.xbill.DNS.Record;

/** How long the DNS answers the checker keeps (the MX stage's and the transport-security report's) may be reused. */
final class DnsTtl {

    /** A record's TTL of seconds or zero would have a list ask again for nearly every address of a domain. */
    static final long MIN = 30;
    /** A day at most, so that a long run sees a record changed since (RFC 2181 §8 allows TTLs of decades). */
    static final long MAX = 86_400;
    /** NXDOMAIN and "no such records" (the zone's SOA, which says how long, is not asked for). */
    static final long NEGATIVE = 300;
    /** A failure (SERVFAIL, no answer in time) is asked again soon: it is about the moment, not the domain. */
    static final long FAILURE = 30;

    private DnsTtl() {
    }

    /** The smallest TTL of {@code records}, within {@link #MIN} and {@link #MAX}; {@link #NEGATIVE} for none. */
    static long of(List<Record> records) {
        // A loop, not a stream: once per answer, where the stream's objects were 1% of a list run's CPU.
        if (records.isEmpty()) {
            return NEGATIVE;
        }
        long min = Long.MAX_VALUE;
        for (Record r : records) {
            min = Math.min(min, r.getTTL());
        }
        return clamp(min);
    }

    static long clamp(long ttl) {
        return Math.clamp(ttl, MIN, MAX);
    }
}
