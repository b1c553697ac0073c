package dev.mailcheck.address;

/**
 * A syntactically valid address, normalised: the local part as given (NFC, needless quotes removed),
 * the domain lower-cased in its ASCII (A-label) form for DNS and SMTP.
 *
 * @param localPart     the part before the @-sign, kept case-sensitive as RFC 5321 §2.4 requires
 * @param domain        the domain in ASCII, lower case, without a trailing dot
 * @param unicodeDomain the domain as a person reads it (equal to {@code domain} unless it is an IDN)
 * @param smtpUtf8      the local part has non-ASCII characters, so a send needs the SMTPUTF8 extension
 */
public record EmailAddress(String localPart, String domain, String unicodeDomain, boolean smtpUtf8) {

    public String normalized() {
        return localPart + "@" + domain;
    }
}
