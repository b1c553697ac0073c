package dev.mailcheck.address;

import com.ibm.icu.text.IDNA;
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
 * Strict RFC 5321/5322 parsing of one mailbox. JMail does the grammar; this class adds what a mail
 * path needs beyond it: no control characters, no comments or address literals, octet limits,
 * IDNA2008 (UTS #46) conversion of the domain, and SMTPUTF8 detection. Thread-safe.
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

    private static final IDNA IDNA_2008 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII
            | IDNA.NONTRANSITIONAL_TO_UNICODE | IDNA.USE_STD3_RULES | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ
            | IDNA.CHECK_CONTEXTO);

    private static final Pattern DOT_ATOM = Pattern.compile("[\\p{L}\\p{N}\\p{M}!#$%&'*+/=?^_`{|}~-]+(\\.[\\p{L}\\p{N}\\p{M}!#$%&'*+/=?^_`{|}~-]+)*");

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
            Map.entry(FailureReason.INVALID_QUOTE_LOCATION,
                    "Quotes may only enclose the whole part before the @-sign or a whole dot-separated piece of it."),
            Map.entry(FailureReason.MISSING_BACKSLASH_ESCAPE,
                    "Inside quotes, a quote or backslash must be escaped with a backslash."),
            Map.entry(FailureReason.UNUSED_BACKSLASH_ESCAPE, "A backslash outside quotes is not allowed."));

    public ParsedAddress parse(String input) {
        if (input == null || input.isBlank()) {
            return new ParsedAddress.Invalid(input == null ? "" : input, "The address is empty.");
        }
        String raw = input.strip();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return new ParsedAddress.Invalid(input, String.format(Locale.ROOT,
                        "The address contains a control character (U+%04X) at position %d.", (int) c, i + 1));
            }
            if (c == '\uFFFD') {
                return new ParsedAddress.Invalid(input, "The address contains bytes that are not valid UTF-8.");
            }
        }
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
        String local = normalizeLocal(email.localPart());

        StringBuilder ascii = new StringBuilder();
        IDNA.Info info = new IDNA.Info();
        IDNA_2008.nameToASCII(email.domain(), ascii, info);
        if (info.hasErrors()) {
            return new ParsedAddress.Invalid(input,
                    "The domain name is not a valid internationalized domain name (" + info.getErrors() + ").");
        }
        String domain = ascii.toString().toLowerCase(Locale.ROOT);
        StringBuilder unicode = new StringBuilder();
        IDNA_2008.nameToUnicode(domain, unicode, new IDNA.Info());

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
        return new ParsedAddress.Valid(input, new EmailAddress(local, domain, unicode.toString(), smtpUtf8));
    }

    /** NFC (as RFC 6532 asks) and the quotes dropped when the content is a plain dot-atom anyway. */
    private static String normalizeLocal(String local) {
        String nfc = Normalizer.normalize(local, Normalizer.Form.NFC);
        if (nfc.length() > 2 && nfc.charAt(0) == '"' && nfc.charAt(nfc.length() - 1) == '"') {
            String inner = nfc.substring(1, nfc.length() - 1);
            if (DOT_ATOM.matcher(inner).matches()) {
                return inner;
            }
        }
        return nfc;
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
