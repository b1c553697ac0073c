package dev.mailcheck.aws;

import dev.mailcheck.HeldBack;
import dev.mailcheck.Verdict;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How a tally's parts are kept in DynamoDB items: counts per verdict ({@code counts}) and, per provider group,
 * what the SMTP probe held back ({@code held_back}). Its own class because the job's item, a chunk's item and
 * each result's item carry them alike, and must read back what the others wrote.
 */
final class TallyAttributes {

    private TallyAttributes() {
    }

    static AttributeValue counts(Map<Verdict, Long> counts) {
        Map<String, AttributeValue> m = new HashMap<>();
        counts.forEach((v, c) -> m.put(v.code(), AttributeValue.fromN(Long.toString(c))));
        return AttributeValue.fromM(m);
    }

    static Map<Verdict, Long> counts(AttributeValue m) {
        Map<Verdict, Long> counts = new EnumMap<>(Verdict.class);
        m.m().forEach((k, v) -> counts.put(verdict(k), Long.parseLong(v.n())));
        return counts;
    }

    /** A verdict as items carry it: its code. */
    static Verdict verdict(String code) {
        return Verdict.valueOf(code.toUpperCase(Locale.ROOT));
    }

    /** Per provider group, {not_tried, waited}. */
    static AttributeValue heldBack(List<HeldBack> heldBack) {
        Map<String, AttributeValue> m = new HashMap<>();
        heldBack.forEach(h -> m.put(h.group(), AttributeValue.fromM(Map.of(
                "not_tried", AttributeValue.fromN(Long.toString(h.notTried())),
                "waited", AttributeValue.fromN(Long.toString(h.waited()))))));
        return AttributeValue.fromM(m);
    }

    /** What {@link #heldBack(List)} wrote, most first; empty for an item without it (written before it existed). */
    static List<HeldBack> heldBack(AttributeValue m) {
        if (m == null) {
            return List.of();
        }
        return HeldBack.sum(m.m().entrySet().stream().map(e -> new HeldBack(e.getKey(),
                Long.parseLong(e.getValue().m().get("not_tried").n()), Long.parseLong(e.getValue().m().get("waited").n())))
                .toList());
    }
}
