package dev.mailcheck.dns;

import dev.mailcheck.Reason;
import java.util.List;
import java.util.Map;

/**
 * What DNS says about where a domain's mail goes.
 *
 * @param domain        the ASCII domain that was looked up
 * @param reason        the DNS stage's reason: {@link Reason#ACCEPTS_MAIL} or why not
 * @param detail        one sentence on what was found
 * @param mx            mail hosts in preference order, with their addresses; for an implicit MX the
 *                      domain itself at preference 0
 * @param fallback      {@code "A"} or {@code "AAAA"} when mail goes to the domain's own address
 *                      because it has no MX (RFC 5321 §5.1); otherwise null
 * @param nullMxIgnored the domain mixes a null MX with real ones; the real ones were used
 * @param ttlSeconds    how long this answer may be reused
 * @param refused       the addresses of {@code mx} that mail must not go to, with why (a loopback, private or
 *                      other non-global address, {@link AddressGuard}); empty with --allow-private-mx. The DNS
 *                      stage ({@link MailRouting}) alone judges this, and the SMTP stage dials none of them.
 */
public record MailDomain(String domain, Reason reason, String detail, List<MxHost> mx, String fallback,
                         boolean nullMxIgnored, long ttlSeconds, Map<String, String> refused) {

    static MailDomain of(String domain, Reason reason, String detail, long ttlSeconds) {
        return new MailDomain(domain, reason, detail, List.of(), null, false, ttlSeconds, Map.of());
    }
}
