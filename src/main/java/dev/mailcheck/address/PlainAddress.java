package dev.mailcheck.address;

import static dev.mailcheck.address.AddressParser.MAX_DOMAIN_OCTETS;
import static dev.mailcheck.address.AddressParser.MAX_LOCAL_OCTETS;
import static dev.mailcheck.address.AddressParser.MAX_PATH_OCTETS;

/**
 * The common case without the grammar's machinery: printable ASCII, one @-sign, a dot-atom of ASCII atext before it
 * and a host name of letters, digits and hyphens after it, within every length limit and ending in a top-level label
 * of letters. It exists for speed (most addresses of a list are such, and need none of the grammar library's
 * machinery), so it answers exactly as {@link AddressParser#parseStrictly} would for the addresses it takes, or
 * declines (the differential tests hold the two together, on the tables and on generated and hostile input).
 */
final class PlainAddress {

    private PlainAddress() {
    }

    /** RFC 5322's atext in ASCII, by character: what a dot-atom holds besides its dots. */
    private static final boolean[] ASCII_ATEXT = new boolean[128];

    static {
        for (char c : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-".toCharArray()) {
            ASCII_ATEXT[c] = true;
        }
    }

    /** The strict path's answer for a plain address; null for others. */
    static ParsedAddress.Valid parse(String input) {
        int n = input == null ? 0 : input.length();
        if (n < 3 || n > MAX_PATH_OCTETS) {
            return null;
        }
        int at = input.indexOf('@');
        if (at < 1 || at > MAX_LOCAL_OCTETS || n - at - 1 > MAX_DOMAIN_OCTETS) {
            return null;
        }
        char previous = '.';
        for (int i = 0; i < at; i++) {
            char c = input.charAt(i);
            if (c == '.' ? previous == '.' : c >= 128 || !ASCII_ATEXT[c]) {
                return null;
            }
            previous = c;
        }
        if (previous == '.') {
            return null;
        }
        int labels = 0;
        int labelStart = at + 1;
        for (int i = at + 1; i <= n; i++) {
            char c = i == n ? '.' : input.charAt(i);
            if (c == '.') {
                int length = i - labelStart;
                if (length < 1 || length > 63 || input.charAt(labelStart) == '-' || input.charAt(i - 1) == '-'
                        // ab--cd: IDNA's reserved form (xn--); its own checks decide
                        || length >= 4 && input.charAt(labelStart + 2) == '-' && input.charAt(labelStart + 3) == '-') {
                    return null;
                }
                labels++;
                labelStart = i + 1;
            } else if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                return null;
            }
        }
        if (labels < 2) {
            return null;
        }
        for (int i = input.lastIndexOf('.') + 1; i < n; i++) {
            char c = input.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
                return null;
            }
        }
        DomainParts.Part d = DomainParts.plain(input.substring(at + 1));
        return new ParsedAddress.Valid(input, new EmailAddress(input.substring(0, at), d.ascii(), d.unicode(), false));
    }
}
