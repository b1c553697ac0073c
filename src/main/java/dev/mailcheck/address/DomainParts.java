package dev.mailcheck.address;

import com.ibm.icu.text.IDNA;
import java.util.Locale;

/**
 * The domain part's conversion (IDNA2008 both ways, the top-level rule) once per domain: a list has many addresses at
 * few domains, and ICU's conversion costs more than the rest of a parse. Kept apart from the parser because both of
 * its paths read it: the strict one converts through the table, and the plain-ASCII shortcut ({@link #plain}) needs
 * no conversion at all, so no table either (a look-up in it, a few reads scattered over memory, cost more than
 * lower-casing the name: 13% of a 1,000,000-address run's main thread). A table of the domains met last (a
 * power of two of slots), not a cache with its upkeep: the conversion is a function of the text alone, so an entry
 * never goes stale. A domain that falls in a taken slot takes it only if the entry there was not looked up since it
 * came or was last spared (a second chance): replaced by whichever domain came last, a popular domain was pushed out
 * again and again by the many a list names once or twice. At most 32,768 entries of three strings each: a few MiB for
 * a list's usual domains, some 40 MiB at worst (every slot an IDN near 253 octets, its text, ASCII and Unicode
 * forms). Thread-safe.
 */
final class DomainParts {

    private static final int SLOTS = 1 << 15;

    private static final IDNA IDNA_2008 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII
            | IDNA.NONTRANSITIONAL_TO_UNICODE | IDNA.USE_STD3_RULES | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ
            | IDNA.CHECK_CONTEXTO);

    private final Part[] slots = new Part[SLOTS];
    /** Whether the entry in a slot was looked up since it came or was spared; racy, which only costs a conversion. */
    private final boolean[] used = new boolean[SLOTS];

    /** The domain as JMail found it ({@code text}), in its ASCII and Unicode forms, or what is wrong with it. */
    record Part(String text, String ascii, String unicode, String problem) {
        static Part invalid(String text, String problem) {
            return new Part(text, null, null, problem);
        }
    }

    /** The domain's conversion, from the table when it holds it. */
    Part of(String text) {
        int hash = text.hashCode();
        int slot = (hash ^ hash >>> 16) & (SLOTS - 1); // the high bits mixed in, as HashMap does
        // A slot holds an immutable record, so a thread that reads another's entry sees it whole.
        Part d = slots[slot];
        if (d != null && d.text().equals(text)) {
            if (!used[slot]) {
                used[slot] = true; // written only when it changes: threads parsing at once share these cache lines
            }
            return d;
        }
        Part converted = convert(text);
        if (d != null && used[slot]) {
            used[slot] = false;
        } else {
            slots[slot] = converted;
        }
        return converted;
    }

    /**
     * The conversion of a domain {@link PlainAddress} has read: labels of 1 to 63 ASCII letters, digits and hyphens,
     * none at a label's ends nor at its third and fourth places (so no A-label), the last label letters, at most 253
     * octets. IDNA2008 maps such a name to itself in lower case both ways, with no error (STD3 allows each character,
     * no check of bidi or context applies to ASCII letters and digits): ICU is not asked, which was most of a
     * conversion's time. DomainPartsTest holds the two to the same answer.
     */
    static Part plain(String domain) {
        String lower = domain.toLowerCase(Locale.ROOT);
        return new Part(domain, lower, lower, null);
    }

    static Part convert(String jmailDomain) {
        StringBuilder ascii = new StringBuilder();
        IDNA.Info info = new IDNA.Info();
        IDNA_2008.nameToASCII(jmailDomain, ascii, info);
        if (info.hasErrors()) {
            return Part.invalid(jmailDomain, "The domain name is not a valid internationalized domain name ("
                    + info.getErrors() + ").");
        }
        String domain = ascii.toString().toLowerCase(Locale.ROOT);
        if (!topLevel(domain, domain.lastIndexOf('.') + 1)) {
            return Part.invalid(jmailDomain, "The last label of the domain name must be letters, like"
                    + " .com, or an internationalized top-level domain; it is not a top-level domain.");
        }
        StringBuilder unicode = new StringBuilder();
        IDNA_2008.nameToUnicode(domain, unicode, new IDNA.Info());
        return new Part(jmailDomain, domain, unicode.toString(), null);
    }

    /**
     * Whether the label of {@code domain} from {@code start} is a top-level label: letters, or an A-label
     * ({@code [a-z]+|xn--[a-z0-9-]+}). A loop, not that pattern: a matcher a conversion was a tenth of the main
     * thread's time in a 1,000,000-address run.
     */
    static boolean topLevel(String domain, int start) {
        int n = domain.length();
        boolean letters = start < n;
        for (int i = start; i < n && letters; i++) {
            char c = domain.charAt(i);
            letters = c >= 'a' && c <= 'z';
        }
        if (letters || !domain.startsWith("xn--", start) || n - start == 4) {
            return letters;
        }
        for (int i = start + 4; i < n; i++) {
            char c = domain.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return true;
    }
}
