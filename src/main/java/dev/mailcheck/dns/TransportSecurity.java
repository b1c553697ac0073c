package dev.mailcheck.dns;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What a sender's MTA meets, beyond the SMTP session, when it delivers to a domain: whether DNS answers
 * about the domain's mail are signed and validated, and which published policies ask for TLS.
 *
 * @param dnssec the DNSSEC state of the domain's MX answer
 * @param dane   TLSA records are published at {@code _25._tcp.<host>} for at least one MX host (RFC 7672). A sender
 *               uses them only when they validate, so this means DANE only beside {@code dnssec = secure};
 *               null when a lookup failed
 * @param mtaSts the domain publishes one valid MTA-STS record ({@code _mta-sts} TXT, RFC 8461 §3.1); the policy file
 *               itself is not fetched. Null when the lookup failed
 * @param tlsRpt the domain publishes one valid TLS reporting record ({@code _smtp._tls} TXT, RFC 8460 §3); null when
 *               the lookup failed
 * @param detail one sentence on the DNSSEC state and anything that could not be found out
 */
public record TransportSecurity(Dnssec dnssec, Boolean dane, Boolean mtaSts, Boolean tlsRpt, String detail) {

    /**
     * {@code secure}: a resolver authenticated the answer (AD bit). {@code insecure}: a resolver known to validate
     * did not, so the zone is unsigned (or not linked to a trust anchor by DS records). {@code unknown}: the
     * lookup failed (a validating resolver's SERVFAIL is also how a bogus signature shows), or the resolver is not
     * known to validate, where an unsigned zone and an unchecked one look the same.
     */
    public enum Dnssec {
        SECURE, INSECURE, UNKNOWN;

        @JsonValue
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
