package dev.mailcheck.address;

import com.ibm.icu.text.IDNA;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The domain part's conversion (IDNA2008 both ways, the top-level rule) once per domain: a list has many addresses at
 * few domains. Also one String per domain for every later look-up by it. Kept apart from the parser because both of
 * its paths, the plain-ASCII shortcut and the strict one, read the same table. A table of the domains met last (a
 * power of two of slots, each slot's entry replaced by the next domain that falls in it), not a cache with its upkeep:
 * the conversion is a function of the text alone, so an entry never goes stale, and the look-up runs for every address
 * of a list. Thread-safe.
 */
final class DomainParts {

    private static final int SLOTS = 1 << 14;

    private static final IDNA IDNA_2008 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII
            | IDNA.NONTRANSITIONAL_TO_UNICODE | IDNA.USE_STD3_RULES | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ
            | IDNA.CHECK_CONTEXTO);
    private static final Pattern TOP_LEVEL = Pattern.compile("[a-z]+|xn--[a-z0-9-]+");

    private final Part[] slots = new Part[SLOTS];

    /** The domain as JMail found it ({@code text}), in its ASCII and Unicode forms, or what is wrong with it. */
    record Part(String text, String ascii, String unicode, String problem) {
        static Part invalid(String text, String problem) {
            return new Part(text, null, null, problem);
        }
    }

    /** The domain's conversion, from the table when it holds it. */
    Part of(String text) {
        int slot = text.hashCode() & (SLOTS - 1);
        // A slot holds an immutable record, so a thread that reads another's entry sees it whole.
        Part d = slots[slot];
        if (d == null || !d.text().equals(text)) {
            d = convert(text);
            slots[slot] = d;
        }
        return d;
    }

    private static Part convert(String jmailDomain) {
        StringBuilder ascii = new StringBuilder();
        IDNA.Info info = new IDNA.Info();
        IDNA_2008.nameToASCII(jmailDomain, ascii, info);
        if (info.hasErrors()) {
            return Part.invalid(jmailDomain, "The domain name is not a valid internationalized domain name ("
                    + info.getErrors() + ").");
        }
        String domain = ascii.toString().toLowerCase(Locale.ROOT);
        if (!TOP_LEVEL.matcher(domain.substring(domain.lastIndexOf('.') + 1)).matches()) {
            return Part.invalid(jmailDomain, "The last label of the domain name must be letters, like"
                    + " .com, or an internationalized top-level domain; it is not a top-level domain.");
        }
        StringBuilder unicode = new StringBuilder();
        IDNA_2008.nameToUnicode(domain, unicode, new IDNA.Info());
        return new Part(jmailDomain, domain, unicode.toString(), null);
    }
}
