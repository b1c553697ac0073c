package dev.mailcheck.address;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import dev.mailcheck.testbed.FuzzBudget;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Properties of the address parser over any string: no exception escapes, the answer is stable, and
 * normalisation is idempotent (the normalized form parses to itself).
 */
@AddLifecycleHook(FuzzBudget.class)
class AddressParserFuzzTest {

    private final AddressParser parser = new AddressParser();
    /** The strict path with a table of its own, which the shortcut's conversions never fill. */
    private final AddressParser strict = new AddressParser();

    @Property
    void neverThrowsAndKeepsTheInput(@ForAll("inputs") String input) {
        ParsedAddress parsed = parser.parse(input);
        assertEquals(input, parsed.input());
        if (parsed instanceof ParsedAddress.Invalid bad) {
            assertTrue(!bad.detail().isBlank(), "an invalid address needs a reason");
        }
    }

    @Property
    void parsingIsStable(@ForAll("inputs") String input) {
        assertEquals(parser.parse(input), parser.parse(input));
    }

    @Property
    void normalisationIsIdempotent(@ForAll("inputs") String input) {
        boolean isValid = parser.parse(input) instanceof ParsedAddress.Valid;
        // Guards the generator: the property says nothing unless a fair share of inputs is valid.
        Statistics.label("valid").collect(isValid);
        Statistics.label("valid").coverage(c -> c.check(true).percentage(p -> p >= 5));
        if (!(parser.parse(input) instanceof ParsedAddress.Valid valid)) {
            return;
        }
        EmailAddress first = valid.address();
        EmailAddress again = assertInstanceOf(ParsedAddress.Valid.class, parser.parse(first.normalized()),
                () -> "the normalized form of [" + input + "] does not parse: " + first.normalized()).address();
        assertEquals(first, again);
    }

    /**
     * What later stages rely on: nothing in a valid address can break an SMTP command line or a path
     * limit, and what goes into RCPT TO is NFC with no invisible, control or unassigned character.
     */
    @Property
    void validAddressesAreSafeForSmtp(@ForAll("inputs") String input) {
        if (!(parser.parse(input) instanceof ParsedAddress.Valid valid)) {
            return;
        }
        String normalized = valid.address().normalized();
        assertTrue(normalized.chars().noneMatch(c -> c < 0x20 || c == 0x7f || c == 0xfffd), normalized);
        assertTrue(normalized.getBytes(StandardCharsets.UTF_8).length <= AddressParser.MAX_PATH_OCTETS, normalized);
        assertTrue(valid.address().domain().matches("[a-z0-9.-]+"), valid.address().domain());
        assertTrue(Normalizer.isNormalized(normalized, Normalizer.Form.NFC), normalized);
        assertTrue(normalized.codePoints().noneMatch(AddressParserFuzzTest::unsafe), normalized);
    }

    /**
     * The plain-ASCII shortcut answers as the strict path does: on the inputs above (most of them for the strict path
     * alone), and on ASCII built to sit on each edge of the shortcut (label and part lengths, hyphens, dots, the
     * top-level label, every printable character).
     */
    @Property(tries = 3000)
    void theShortcutAnswersAsTheStrictPath(@ForAll("shortcutEdges") String input) {
        ParsedAddress answer = parser.parse(input);
        assertEquals(strict.parseStrictly(input), answer, () -> "[" + input + "]");
        // Guards the generator: both answers, valid and not, in fair shares.
        Statistics.label("valid").collect(answer instanceof ParsedAddress.Valid);
        Statistics.label("valid").coverage(c -> {
            c.check(true).percentage(p -> p >= 10);
            c.check(false).percentage(p -> p >= 20);
        });
    }

    @Property
    void theShortcutAnswersAsTheStrictPathOnAnyInput(@ForAll("inputs") String input) {
        assertEquals(strict.parseStrictly(input), parser.parse(input), () -> "[" + input + "]");
    }

    @Provide
    Arbitrary<String> shortcutEdges() {
        Arbitrary<String> printable = Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(8);
        Arbitrary<String> atom = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.strings().withChars("aZ09!#$%&'*+/=?^_`{|}~-").ofMinLength(1).ofMaxLength(10)),
                Tuple.of(1, printable),
                Tuple.of(1, Arbitraries.integers().between(60, 66).map("x"::repeat)));
        Arbitrary<String> local = atom.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
        Arbitrary<String> label = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.strings().withChars("aZ09").ofMinLength(1).ofMaxLength(8)),
                Tuple.of(3, Arbitraries.strings().withChars("aZ09-").ofMinLength(1).ofMaxLength(8)),
                Tuple.of(1, Arbitraries.of("xn--a", "xn--mnchen-3ya", "ab--c", "a--b", "--", "-a", "a-", "", "a_b")),
                Tuple.of(1, Arbitraries.integers().between(61, 65).map("d"::repeat)),
                Tuple.of(1, printable));
        Arbitrary<String> tld = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of("com", "COM", "c", "test")),
                Tuple.of(1, Arbitraries.of("x1", "1", "123", "xn--p1ai", "co-", "", "a".repeat(63), "a".repeat(64))));
        Arbitrary<String> domain = Combinators.combine(label.list().ofMinSize(0).ofMaxSize(4), tld)
                .as((labels, t) -> String.join(".", labels) + "." + t);
        // Long domains, to cross the 253- and 254-octet limits.
        Arbitrary<String> longDomain = Arbitraries.integers().between(3, 5).flatMap(k -> Arbitraries.integers()
                .between(40, 63).map(len -> ("d".repeat(len) + ".").repeat(k) + "com"));
        return Combinators.combine(local,
                        Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just("@")), Tuple.of(1, Arbitraries.of("@@", "", "."))),
                        Arbitraries.frequencyOf(Tuple.of(10, domain), Tuple.of(2, longDomain),
                                Tuple.of(1, Arbitraries.of("com", "localhost", "Z"))),
                        Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just("")), Tuple.of(1, Arbitraries.of(".", " ", "-"))))
                .as((l, at, d, end) -> l + at + d + end);
    }

    private static boolean unsafe(int cp) {
        return switch (UCharacter.getType(cp)) {
            case UCharacterCategory.CONTROL, UCharacterCategory.FORMAT, UCharacterCategory.PRIVATE_USE,
                 UCharacterCategory.UNASSIGNED, UCharacterCategory.SURROGATE, UCharacterCategory.LINE_SEPARATOR,
                 UCharacterCategory.PARAGRAPH_SEPARATOR -> true;
            default -> false;
        };
    }

    @Provide
    Arbitrary<String> inputs() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, addressLike()),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(300)),
                Tuple.of(1, huge()));
    }

    /** Valid addresses and near misses: the pieces addresses are made of, mixed with the characters that break them. */
    private static Arbitrary<String> addressLike() {
        Arbitrary<String> atom = Arbitraries.strings().withChars("abcXYZ019+-_'!#$%&*/=?^`{|}~éüΩ中").ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> noise = Arbitraries.strings()
                .withChars("abc.\"\\ @<>()[],;:")
                .withChars("\r\n\t\u0000\u007f\u00a0\u2028")
                .withChars("\uD83D\uDE00\uD800\uDC00\uFFFD\u0301")
                .withChars("\u200b\u202e\u0085\ue000\u0378\u037e\u3002\uff0e")
                .ofMaxLength(80);
        Arbitrary<String> local = Arbitraries.frequencyOf(
                Tuple.of(6, atom.list().ofMinSize(1).ofMaxSize(6).map(l -> String.join(".", l))),
                Tuple.of(2, noise.map(s -> "\"" + s + "\"")),
                Tuple.of(2, noise));
        Arbitrary<String> label = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.strings().withChars("abz09").ofMinLength(1).ofMaxLength(20)),
                Tuple.of(1, Arbitraries.strings().withChars("abz09-").ofMinLength(1).ofMaxLength(70)),
                Tuple.of(2, Arbitraries.strings().withChars("abüßç中-_.\u200d\u0301\u3002\uff0e").ofMinLength(1).ofMaxLength(20)),
                Tuple.of(1, Arbitraries.of("xn--mnchen-3ya", "xn--a", "XN--BCHER-KVA", "123", "localhost", "[192.0.2.1]")));
        Arbitrary<String> domain = Combinators.combine(label.list().ofMinSize(0).ofMaxSize(5),
                        Arbitraries.of("com", "test", "DE", "广告", "123", ""))
                .as((labels, tld) -> String.join(".", labels) + (tld.isEmpty() ? "" : "." + tld));
        Arbitrary<String> space = Arbitraries.of("", "", "", " ", "\t", "\u3000");
        return Combinators.combine(space, local, Arbitraries.of("@", "@", "@", "", "@@"), domain, space)
                .as((a, l, at, d, b) -> a + l + at + d + b);
    }

    /** Far past every limit, so that no path through the grammar may go quadratic or overflow. */
    private static Arbitrary<String> huge() {
        return Combinators.combine(Arbitraries.of("a", "\"", ".", "a.", "(", "\\", "é"), Arbitraries.integers().between(300, 100_000),
                Arbitraries.of("@example.com", "", "@", "@" + "a.".repeat(200) + "com"))
                .as((piece, n, tail) -> piece.repeat(n / piece.length()) + tail);
    }
}
