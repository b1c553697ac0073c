package dev.mailcheck.codes;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The reference of SMTP reply codes the checker predicts or meets, written out in
 * {@code src/main/resources/codes/<language>.json}: per code its meaning, when it is seen and what to
 * do, plus comparisons of codes that are easily confused. Every language must explain the same codes
 * and every part of them; a gap fails at load rather than showing a blank.
 */
public final class ReplyCodes {

    private static final List<String> FIELDS = List.of("meaning", "when", "fix");
    private static final List<String> LABELS = List.of("meaning", "when", "fix", "compare");

    private final Map<Language, JsonNode> documents = new EnumMap<>(Language.class);
    private final SortedSet<Integer> codes = new TreeSet<>();

    private ReplyCodes() {
        ObjectMapper json = new ObjectMapper();
        for (Language language : Language.values()) {
            String path = "/codes/" + language.tag() + ".json";
            try (InputStream in = ReplyCodes.class.getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException(path + " is missing from the build");
                }
                documents.put(language, json.readTree(in));
            } catch (IOException e) {
                throw new UncheckedIOException(path + " is not valid JSON", e);
            }
        }
        documents.get(Language.EN).get("codes").fieldNames().forEachRemaining(c -> codes.add(Integer.valueOf(c)));
        for (Language language : Language.values()) {
            check(language);
        }
    }

    public static ReplyCodes bundled() {
        return Bundled.CODES;
    }

    private static final class Bundled {
        static final ReplyCodes CODES = new ReplyCodes();
    }

    /**
     * Whether the reference explains {@code code} (a key of en.json's "codes"), as {@link #has} says: what the link in
     * every written result asks. Read with Jackson's streaming parser alone, not into the trees the texts come from: a
     * list run writes links but never texts, and the data-binding mapper's start and trees cost a run's start 40 ms
     * (of 0.45 s). ReplyCodesTest holds the two readings to the same codes.
     */
    public static boolean explains(int code) {
        return Explained.CODES.contains(code);
    }

    private static final class Explained {
        static final Set<Integer> CODES = explainedCodes();
    }

    private static Set<Integer> explainedCodes() {
        String path = "/codes/" + Language.EN.tag() + ".json";
        try (InputStream in = ReplyCodes.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the build");
            }
            Set<Integer> codes = new HashSet<>();
            try (JsonParser json = new JsonFactory().createParser(in)) {
                json.nextToken(); // the document's object
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    boolean isCodes = json.currentName().equals("codes");
                    json.nextToken();
                    while (isCodes && json.nextToken() == JsonToken.FIELD_NAME) {
                        codes.add(Integer.valueOf(json.currentName()));
                        json.nextToken();
                        json.skipChildren();
                    }
                    json.skipChildren();
                }
            }
            return Set.copyOf(codes);
        } catch (IOException e) {
            throw new UncheckedIOException(path + " is not valid JSON", e);
        }
    }

    /** The codes the reference explains, in order. */
    public SortedSet<Integer> codes() {
        return Collections.unmodifiableSortedSet(codes);
    }

    public boolean has(int code) {
        return codes.contains(code);
    }

    public Optional<CodeEntry> entry(int code, Language language) {
        if (!has(code)) {
            return Optional.empty();
        }
        JsonNode doc = documents.get(language);
        JsonNode entry = doc.at("/codes/" + code);
        ReplyClass replyClass = ReplyClass.of(code);
        List<CodeEntry.Comparison> comparisons = new ArrayList<>();
        for (JsonNode c : doc.get("comparisons")) {
            List<Integer> about = new ArrayList<>();
            c.get("codes").forEach(n -> about.add(n.asInt()));
            if (about.contains(code)) {
                comparisons.add(new CodeEntry.Comparison(List.copyOf(about), c.get("text").asText()));
            }
        }
        return Optional.of(new CodeEntry(code, replyClass, doc.at("/classes/" + replyClass.digit).asText(), language,
                entry.get("meaning").asText(), entry.get("when").asText(), entry.get("fix").asText(),
                List.copyOf(comparisons)));
    }

    /** The headings a person reads beside the texts ("meaning", "when", "fix", "compare"), in a language. */
    public String label(Language language, String key) {
        return documents.get(language).at("/labels/" + key).asText();
    }

    private void check(Language language) {
        JsonNode doc = documents.get(language);
        SortedSet<Integer> here = new TreeSet<>();
        doc.get("codes").fieldNames().forEachRemaining(c -> here.add(Integer.valueOf(c)));
        if (!here.equals(codes)) {
            throw new IllegalStateException(language.tag() + ".json explains codes " + here + ", en.json " + codes);
        }
        for (int code : codes) {
            for (String field : FIELDS) {
                if (doc.at("/codes/" + code + "/" + field).asText().isBlank()) {
                    throw new IllegalStateException(language.tag() + ".json: code " + code + " has no " + field);
                }
            }
            if (doc.at("/classes/" + ReplyClass.of(code).digit).asText().isBlank()) {
                throw new IllegalStateException(language.tag() + ".json: no name for the class of " + code);
            }
        }
        for (String key : LABELS) {
            if (label(language, key).isBlank()) {
                throw new IllegalStateException(language.tag() + ".json: no label " + key);
            }
        }
        for (JsonNode c : doc.get("comparisons")) {
            c.get("codes").forEach(n -> {
                if (!has(n.asInt())) {
                    throw new IllegalStateException(language.tag() + ".json compares code " + n + ", which it does not explain");
                }
            });
        }
    }
}
