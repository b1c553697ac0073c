package dev.mailcheck.smtp;

import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a domain's probe may connect: every address of every MX host, in preference order (IPv4
 * before IPv6 as the DNS stage lists them), without those the DNS stage refused ({@link MailDomain#refused()},
 * the SSRF guard's one home).
 *
 * @param refused why the first refused address was refused, or null
 */
record Plan(List<Target> targets, String refused) {

    record Target(String host, InetAddress address) {
    }

    static Plan of(MailDomain domain) {
        List<Target> targets = new ArrayList<>();
        String refused = null;
        for (MxHost h : domain.mx()) {
            for (String a : h.addresses()) {
                Target t = new Target(h.host(), literal(a));
                String why = domain.refused().get(a);
                if (why == null) {
                    targets.add(t);
                } else if (refused == null) {
                    refused = "The MX host " + t.host() + " of " + domain.domain() + " resolves to "
                            + t.address().getHostAddress() + ", a " + why + " address; the prober does not connect there.";
                }
            }
        }
        return new Plan(List.copyOf(targets), refused);
    }

    private static InetAddress literal(String a) {
        try {
            // An IP literal: no lookup happens here, so the address checked is the address dialled.
            return InetAddress.getByName(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("the DNS stage produced a bad address: " + a, e);
        }
    }
}
