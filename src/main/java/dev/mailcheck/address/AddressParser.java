package dev.mailcheck.address;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.lang.UProperty;
import com.sanctionco.jmail.Email;
import com.sanctionco.jmail.EmailValidationResult;
import com.sanctionco.jmail.EmailValidator;
import com.sanctionco.jmail.FailureReason;
import com.sanctionco.jmail.JMail;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Strict RFC 5321/5322 parsing of one mailbox, judged in the NFC form it is output and sent in. JMail
 * does the grammar; this class adds what a mail path needs beyond it: no control, invisible or
 * unassigned characters, RFC 5321's dot-string or quoted string only, no comments or address literals,
 * octet limits, IDNA2008 (UTS #46) conversion of the domain ({@link DomainParts}), and SMTPUTF8 detection. Plain
 * ASCII addresses take a shortcut that answers as this path does ({@link PlainAddress}). Thread-safe.
 */
public final class AddressParser {

    static final int MAX_LOCAL_OCTETS = 64;
    static final int MAX_DOMAIN_OCTETS = 253;
    static final int MAX_PATH_OCTETS = 254;

    private static final FailureReason HAS_COMMENT = new FailureReason("HAS_COMMENT");

    private static final EmailValidator VALIDATOR = JMail.validator()
            .disallowIpDomain()
            .requireTopLevelDomain()
            .disallowExplicitSourceRouting()
            .disallowObsoleteWhitespace()
            .disallowQuotedIdentifiers()
            .withRule(email -> email.comments().isEmpty(), HAS_COMMENT);

    // RFC 5321 dot-string with RFC 6531's UTF8-non-ascii as atext; unsafeCharacter has already refused
    // what Unicode allows there but an address must not carry.
    private static final String ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-\\x{80}-\\x{10FFFF}&&[^\\p{Zs}]]";
    private static final Pattern ATEXT_CHAR = Pattern.compile(ATEXT);
    private static final Pattern DOT_ATOM = Pattern.compile(ATEXT + "+(?:\\." + ATEXT + "+)*");
    // RFC 5321 quoted string: qtextSMTP (plus UTF8-non-ascii, RFC 6531) or a quoted pair of printable ASCII.
    private static final Pattern QUOTED_STRING = Pattern.compile("\"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e[^\\x00-\\x7f]]|\\\\[\\x20-\\x7e])*\"");
    private static final Pattern FOREIGN_DOTS = Pattern.compile("[\\u3002\\uFF0E\\uFF61]");

    private static final String QUOTES_AROUND_A_PIECE =
            "Quotes must enclose the whole part before the @-sign, not a piece of it.";

    // Written for the person who typed the address, in the manner of python email-validator.
    private static final Map<FailureReason, String> MESSAGES = Map.ofEntries(
            Map.entry(FailureReason.MISSING_AT_SYMBOL, "An email address must have an @-sign."),
            Map.entry(FailureReason.MULTIPLE_AT_SYMBOLS,
                    "An email address can have only one @-sign (a local part that contains one must be quoted)."),
            Map.entry(FailureReason.BEGINS_WITH_AT_SYMBOL, "There must be something before the @-sign."),
            Map.entry(FailureReason.LOCAL_PART_MISSING, "There must be something before the @-sign."),
            Map.entry(FailureReason.DOMAIN_MISSING, "There must be a domain name after the @-sign."),
            Map.entry(FailureReason.STARTS_WITH_DOT, "An email address cannot start with a period."),
            Map.entry(FailureReason.LOCAL_PART_ENDS_WITH_DOT, "The part before the @-sign cannot end with a period."),
            Map.entry(FailureReason.ENDS_WITH_DOT, "An email address cannot end with a period."),
            Map.entry(FailureReason.MULTIPLE_DOT_SEPARATORS, "An email address cannot have two periods in a row."),
            Map.entry(FailureReason.INVALID_WHITESPACE,
                    "An email address cannot contain spaces, except inside a quoted local part."),
            Map.entry(FailureReason.CONTAINS_OBSOLETE_WHITESPACE,
                    "An email address cannot contain spaces or line breaks, except inside a quoted local part."),
            Map.entry(FailureReason.DISALLOWED_UNQUOTED_CHARACTER,
                    "The part before the @-sign contains a character that is only allowed inside quotes."),
            Map.entry(FailureReason.INVALID_DOMAIN_CHARACTER,
                    "The domain name may only contain letters, digits, hyphens and periods (no underscores)."),
            Map.entry(FailureReason.DOMAIN_PART_STARTS_WITH_DASH,
                    "A label of the domain name cannot start with a hyphen."),
            Map.entry(FailureReason.DOMAIN_PART_ENDS_WITH_DASH, "A label of the domain name cannot end with a hyphen."),
            Map.entry(FailureReason.DOMAIN_PART_TOO_LONG, "A label of the domain name is longer than 63 characters."),
            Map.entry(FailureReason.DOMAIN_TOO_LONG, "The domain name is longer than 253 characters."),
            Map.entry(FailureReason.LOCAL_PART_TOO_LONG, "The part before the @-sign is longer than 64 octets."),
            Map.entry(FailureReason.ADDRESS_TOO_LONG, "The address is longer than the 254 octets SMTP allows."),
            Map.entry(FailureReason.ADDRESS_TOO_SHORT, "The address is too short to be an email address."),
            Map.entry(FailureReason.MISSING_TOP_LEVEL_DOMAIN,
                    "The domain name needs at least two labels, like example.com: single-label domains get no Internet mail."),
            Map.entry(FailureReason.MISSING_FINAL_DOMAIN_PART, "The domain name is missing its last label."),
            Map.entry(FailureReason.NUMERIC_TLD, "The last label of the domain name cannot be all digits."),
            Map.entry(FailureReason.TOP_LEVEL_DOMAIN_TOO_LONG, "The last label of the domain name is too long."),
            Map.entry(FailureReason.CONTAINS_IP_DOMAIN,
                    "Addresses at an IP literal like [192.0.2.1] are not accepted: they bypass MX and most servers refuse them."),
            Map.entry(FailureReason.INVALID_IP_DOMAIN, "The IP address literal after the @-sign is malformed."),
            Map.entry(FailureReason.CONTAINS_EXPLICIT_SOURCE_ROUTING,
                    "Source routes (@relay:user@domain) are obsolete; give the address alone."),
            Map.entry(FailureReason.CONTAINS_QUOTED_IDENTIFIER,
                    "Give the bare address, without a display name or angle brackets."),
            Map.entry(FailureReason.UNQUOTED_ANGLED_BRACKET,
                    "Angle brackets are only allowed inside a quoted local part; give the bare address."),
            Map.entry(FailureReason.INVALID_COMMENT, "The address has a malformed comment in parentheses."),
            Map.entry(FailureReason.INVALID_COMMENT_LOCATION, "The address has a comment in parentheses in the wrong place."),
            Map.entry(HAS_COMMENT, "Comments in parentheses are not part of a mail path; remove them."),
            Map.entry(FailureReason.INVALID_QUOTE_LOCATION, QUOTES_AROUND_A_PIECE),
            Map.entry(FailureReason.MISSING_BACKSLASH_ESCAPE,
                    "Inside quotes, a quote or backslash must be escaped with a backslash."),
            Map.entry(FailureReason.UNUSED_BACKSLASH_ESCAPE, "A backslash outside quotes is not allowed."));

    /** Each domain part's conversion, shared by the shortcut and the strict path. */
    private final DomainParts domains = new DomainParts();

    public ParsedAddress parse(String input) {
        ParsedAddress.Valid plain = PlainAddress.parse(input);
        return plain != null ? plain : parseStrictly(input);
    }

    /** Every address through the grammar and the rules beyond it: what {@link #parse} answers. */
    ParsedAddress parseStrictly(String input) {
        if (input == null || input.isBlank()) {
            return new ParsedAddress.Invalid(input == null ? "" : input, "The address is empty.");
        }
        // Normalise first, then validate: every rule below applies to the form the checker outputs and
        // sends in RCPT TO (me.\u037e is me.; once normalised, and that is what must be judged).
        String nfc = Normalizer.normalize(input.strip(), Normalizer.Form.NFC);
        String unsafe = unsafeCharacter(nfc);
        if (unsafe != null) {
            return new ParsedAddress.Invalid(input, unsafe);
        }
        String raw = withAsciiDots(nfc);
        EmailValidationResult result;
        try {
            result = VALIDATOR.validate(raw);
        } catch (RuntimeException e) {
            // JMail 2.0.2 throws on some malformed inputs (StringIndexOutOfBounds on a@"@..com, found by
            // AddressParserFuzzTest); one such address must not end a whole batch.
            return new ParsedAddress.Invalid(input, "The address is not valid: its syntax could not be analysed.");
        }
        if (result.isFailure()) {
            return new ParsedAddress.Invalid(input, MESSAGES.getOrDefault(result.getFailureReason(),
                    "The address is not valid (" + result.getFailureReason() + ")."));
        }
        Email email = result.getEmail().orElseThrow();
        String localProblem = localPartProblem(email.localPart());
        if (localProblem != null) {
            return new ParsedAddress.Invalid(input, localProblem);
        }
        String local = withoutNeedlessQuotes(email.localPart());

        DomainParts.Part d = domains.of(email.domain());
        if (d.problem() != null) {
            return new ParsedAddress.Invalid(input, d.problem());
        }
        String domain = d.ascii();

        int localOctets = local.getBytes(StandardCharsets.UTF_8).length;
        if (localOctets > MAX_LOCAL_OCTETS) {
            return new ParsedAddress.Invalid(input, "The part before the @-sign is " + localOctets
                    + " octets long; at most " + MAX_LOCAL_OCTETS + " are allowed.");
        }
        if (domain.length() > MAX_DOMAIN_OCTETS) {
            return new ParsedAddress.Invalid(input, "The domain name is " + domain.length()
                    + " characters long in its DNS form; at most " + MAX_DOMAIN_OCTETS + " are allowed.");
        }
        if (localOctets + 1 + domain.length() > MAX_PATH_OCTETS) {
            return new ParsedAddress.Invalid(input, "The address is " + (localOctets + 1 + domain.length())
                    + " octets long; SMTP allows at most " + MAX_PATH_OCTETS + ".");
        }
        boolean smtpUtf8 = !isAscii(local);
        return new ParsedAddress.Valid(input, new EmailAddress(local, domain, d.unicode(), smtpUtf8));
    }

    /**
     * The first character no address should carry, described for the person who typed it, or null.
     * The grammar (RFC 6531) lets any non-ASCII character through; these make one address look like
     * another, break the text around it, or are not characters at all (python email-validator refuses
     * the same classes).
     */
    private static String unsafeCharacter(String s) {
        boolean quoted = false;
        boolean escaped = false;
        int prev = -1;
        for (int i = 0, pos = 1; i < s.length(); i += Character.charCount(s.codePointAt(i)), pos++) {
            int cp = s.codePointAt(i);
            if (cp == '\uFFFD') {
                return "The address contains bytes that are not valid UTF-8.";
            }
            // Printable ASCII is never unsafe: skip the lookup for the common case.
            String kind = cp >= 0x20 && cp < 0x7f ? null : switch (UCharacter.getType(cp)) {
                case UCharacterCategory.CONTROL -> "a control character";
                case UCharacterCategory.FORMAT -> "an invisible formatting character";
                case UCharacterCategory.LINE_SEPARATOR, UCharacterCategory.PARAGRAPH_SEPARATOR -> "a line break";
                case UCharacterCategory.PRIVATE_USE -> "a private-use character";
                case UCharacterCategory.SURROGATE -> "half of a surrogate pair, which is not a character";
                case UCharacterCategory.UNASSIGNED ->
                        UCharacter.hasBinaryProperty(cp, UProperty.NONCHARACTER_CODE_POINT)
                                ? "a noncharacter" : "a code point not assigned in Unicode";
                case UCharacterCategory.SPACE_SEPARATOR -> quoted ? null : "a space";
                case UCharacterCategory.NON_SPACING_MARK, UCharacterCategory.COMBINING_SPACING_MARK,
                     UCharacterCategory.ENCLOSING_MARK ->
                        prev == -1 || prev == '.' || prev == '@' || prev == '"'
                                ? "a combining mark with no letter before it" : null;
                default -> null;
            };
            if (kind != null) {
                return "The address contains " + kind + " (" + describe(cp) + ") at position " + pos + ".";
            }
            if (cp == '"' && !escaped) {
                quoted = !quoted;
            }
            escaped = quoted && cp == '\\' && !escaped;
            prev = cp;
        }
        return null;
    }

    /** "U+200B ZERO WIDTH SPACE", or the bare code when Unicode gives the character no name. */
    private static String describe(int cp) {
        String name = UCharacter.getName(cp);
        return String.format(Locale.ROOT, "U+%04X", cp) + (name == null ? "" : " " + name);
    }

    /** The domain's ideographic and full-width full stops as the dots they are (UTS #46 maps them), before any dot rule. */
    private static String withAsciiDots(String address) {
        int at = address.lastIndexOf('@');
        if (at < 0 || !hasForeignDot(address, at)) {
            return address;
        }
        return address.substring(0, at + 1) + FOREIGN_DOTS.matcher(address.substring(at + 1)).replaceAll(".");
    }

    /** As FOREIGN_DOTS.matcher(s).find(from), by a plain scan: every address passes here, and few have one. */
    private static boolean hasForeignDot(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u3002' || c == '\uFF0E' || c == '\uFF61') {
                return true;
            }
        }
        return false;
    }

    /**
     * RFC 5321 §4.1.2: a dot-string or a whole quoted string, nothing in between. JMail also takes RFC
     * 5322's obsolete forms ("a"."b", a\@b), which no mail path carries.
     */
    private static String localPartProblem(String local) {
        if (local.startsWith("\"")) {
            if (!QUOTED_STRING.matcher(local).matches()) {
                return local.indexOf('"', 1) < local.length() - 1 ? QUOTES_AROUND_A_PIECE
                        : "Inside quotes, a backslash may only escape a printable ASCII character.";
            }
            return local.length() == 2 ? "There must be something before the @-sign." : null;
        }
        if (local.indexOf('"') >= 0) {
            return QUOTES_AROUND_A_PIECE;
        }
        if (local.indexOf('\\') >= 0) {
            return "A backslash outside quotes is not allowed.";
        }
        if (DOT_ATOM.matcher(local).matches()) {
            return null;
        }
        int bad = local.codePoints().filter(c -> c != '.' && !ATEXT_CHAR.matcher(Character.toString(c)).matches())
                .findFirst().orElse('.');
        return "The part before the @-sign contains a character that is only allowed inside quotes ("
                + (bad == '.' ? "a period out of place" : "'" + Character.toString(bad) + "'") + ").";
    }

    /** The quotes dropped when the content is a plain dot-atom anyway. */
    private static String withoutNeedlessQuotes(String local) {
        if (local.length() > 2 && local.charAt(0) == '"') {
            String inner = local.substring(1, local.length() - 1);
            if (DOT_ATOM.matcher(inner).matches()) {
                return inner;
            }
        }
        return local;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }
}
