package dev.mailcheck.dns;

import dev.mailcheck.Defects;
import dev.mailcheck.Reason;
import dev.mailcheck.dns.MxResolver.HostLookup;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * The one home of the DNS stage's judgement: from what DNS answered to where a domain's mail goes, with
 * its {@link Reason} and the sentence that explains it. Asks nothing itself ({@link MxResolver} does the
 * asking), so every rule here is tested without a network (MailRoutingTest).
 */
public final class MailRouting {

    private final boolean allowPrivateMx;

    /** @param allowPrivateMx an MX host on a non-global address counts as a mail host (test beds) */
    MailRouting(boolean allowPrivateMx) {
        this.allowPrivateMx = allowPrivateMx;
    }

    /**
     * The DNS stage broke in a way of its own (a defect, not an answer); the address stays unknown, the defect
     * is logged with its stack by {@link Defects}, and the detail names the log line.
     */
    public static MailDomain stageFailed(String domain, Throwable error) {
        String id = Defects.log("in the DNS stage for " + domain, error);
        return MailDomain.of(domain, Reason.DNS_FAILURE, "The DNS stage failed unexpectedly ("
                + Defects.mention(id) + "); check again later.", 0);
    }

    /** No answer came before the whole check's deadline ({@code deadline} as the user reads it). */
    public static MailDomain noAnswerBefore(String domain, String deadline) {
        return MailDomain.of(domain, Reason.DNS_FAILURE, "No DNS answer within the check's deadline of " + deadline
                + "; check again later.", 0);
    }

    MailDomain noSuchDomain(String domain) {
        return MailDomain.of(domain, Reason.NO_SUCH_DOMAIN, "DNS says " + domain + " does not exist (NXDOMAIN).",
                DnsTtl.NEGATIVE);
    }

    MailDomain mxLookupFailed(String domain, String failure) {
        return MailDomain.of(domain, Reason.DNS_FAILURE, "The MX lookup for " + domain + " failed: " + failure + ".",
                DnsTtl.FAILURE);
    }

    /** The MX hosts whose addresses to ask for: the real ones (not a null MX), most preferred first, a few at most. */
    static List<MXRecord> hostsToAsk(List<Record> mxAnswer) {
        // A loop, not a stream: this runs twice for every domain of a list, and its stream's objects were an eighth
        // of all a list of new domains allocates.
        List<MXRecord> real = new ArrayList<>(mxAnswer.size());
        for (Record r : mxAnswer) {
            if (r instanceof MXRecord mx && !mx.getTarget().equals(Name.root)) {
                real.add(mx);
            }
        }
        if (real.size() > 1) {
            real.sort(MxResolver.BY_PREFERENCE);
        }
        return real.size() > MxResolver.MAX_MX_HOSTS ? List.copyOf(real.subList(0, MxResolver.MAX_MX_HOSTS)) : real;
    }

    /**
     * @param mxAnswer the MX records found, at least one
     * @param ttl      the MX answer's
     * @param hosts    the addresses of {@link #hostsToAsk}, in that order
     */
    MailDomain viaMx(String domain, List<Record> mxAnswer, long ttl, List<HostLookup> hosts) {
        List<MXRecord> used = hostsToAsk(mxAnswer);
        int nullMx = -1; // the last null MX's preference, if any
        for (Record r : mxAnswer) {
            if (r instanceof MXRecord mx && mx.getTarget().equals(Name.root)) {
                nullMx = mx.getPriority();
            }
        }
        if (used.isEmpty()) {
            return MailDomain.of(domain, Reason.NULL_MX, domain + " publishes a null MX (MX " + nullMx
                    + " .): per RFC 7505 it accepts no mail, and its A/AAAA records are not a fallback.", ttl);
        }
        boolean nullMixed = nullMx >= 0;
        List<MxHost> found = new ArrayList<>(used.size());
        List<String> notes = new ArrayList<>();
        MxHost best = null;
        int usable = 0;
        String failure = null;
        for (int i = 0; i < used.size(); i++) {
            HostLookup h = hosts.get(i);
            MxHost host = new MxHost(used.get(i).getPriority(), h.host(), h.addresses());
            found.add(host);
            if (!h.addresses().isEmpty()) {
                ttl = Math.min(ttl, h.ttl());
            } else if (h.failure() != null && failure == null) {
                failure = h.host() + ": " + h.failure();
            }
            if (usable(h)) {
                best = best == null ? host : best;
                usable++;
            } else {
                String note = privateNote(h.host(), h);
                if (note != null) {
                    notes.add(note);
                }
            }
        }
        String mixNote = nullMixed ? " A null MX is published beside real MX records; the real ones were used." : "";
        String privateNote = notes.isEmpty() ? null : String.join("; ", notes);
        Map<String, String> refused = refused(hosts.subList(0, used.size()));
        if (best != null) {
            return new MailDomain(domain, Reason.ACCEPTS_MAIL, "Mail for " + domain + " goes to " + best.host()
                    + " (preference " + best.preference() + ")" + (usable > 1
                    ? " or " + (usable - 1) + " other MX host" + (usable > 2 ? "s" : "") : "")
                    + "." + (privateNote == null ? "" : " Not on the Internet, so left out: " + privateNote + ".")
                    + mixNote, found, null, nullMixed, ttl, refused);
        }
        if (failure != null) {
            return new MailDomain(domain, Reason.DNS_FAILURE, "No MX host of " + domain
                    + " could be resolved because DNS failed (" + failure + ")." + mixNote,
                    found, null, nullMixed, DnsTtl.FAILURE, refused);
        }
        if (privateNote != null) {
            return new MailDomain(domain, Reason.MX_PRIVATE_ADDRESS, "No MX host of " + domain
                    + " has an address on the Internet: " + privateNote + "." + mixNote, found, null, nullMixed, ttl, refused);
        }
        return new MailDomain(domain, Reason.MX_UNRESOLVABLE, "None of the MX hosts of " + domain + " ("
                + String.join(", ", found.stream().map(MxHost::host).toList())
                + ") has an A or AAAA record." + mixNote, found, null, nullMixed, Math.min(ttl, DnsTtl.NEGATIVE),
                Map.of());
    }

    /** The domain has no MX records: its own address, {@code self}, is the mail host if it has one (RFC 5321 §5.1). */
    MailDomain implicitMx(String domain, HostLookup self) {
        List<MxHost> implicit = List.of(new MxHost(0, domain, self.addresses()));
        String family = self.addresses().isEmpty() ? null : self.addresses().getFirst().contains(":") ? "AAAA" : "A";
        String privateNote = privateNote(domain, self);
        if (privateNote != null) {
            return new MailDomain(domain, Reason.MX_PRIVATE_ADDRESS, domain + " has no MX records and its own address"
                    + " (implicit MX) is not on the Internet: " + privateNote + ".", implicit, family, false, self.ttl(),
                    refused(List.of(self)));
        }
        if (family != null) {
            return new MailDomain(domain, Reason.ACCEPTS_MAIL, domain + " has no MX records; mail goes to its own "
                    + family + " record (implicit MX, RFC 5321 §5.1).",
                    implicit, family, false, self.ttl(), refused(List.of(self)));
        }
        if (self.failure() != null) {
            return MailDomain.of(domain, Reason.DNS_FAILURE, domain + " has no MX records and the lookup of its"
                    + " own address failed: " + self.failure() + ".", DnsTtl.FAILURE);
        }
        return MailDomain.of(domain, Reason.NO_MAIL_HOST,
                domain + " has no MX records and no A or AAAA record, so no host takes its mail.",
                DnsTtl.NEGATIVE);
    }

    /**
     * The addresses of these hosts that mail must not go to, with why: every non-global one, none with
     * --allow-private-mx. What the SMTP stage leaves out of its plan (a usable host may have both kinds).
     */
    private Map<String, String> refused(List<HostLookup> hosts) {
        if (allowPrivateMx) {
            return Map.of();
        }
        List<Map<String, String>> refusing = new ArrayList<>(hosts.size());
        for (HostLookup h : hosts) {
            if (!h.refused().isEmpty()) {
                refusing.add(h.refused());
            }
        }
        return refusing.isEmpty() ? Map.of() : refusing.size() == 1 ? refusing.getFirst() : new Refusals(refusing);
    }

    /**
     * The refused addresses of several MX hosts, read through each host's own map rather than copied: those are made
     * once per host and shared by every domain naming it, where a merged copy per domain was a third of what a list
     * run keeps for each domain (100,000 domains with two private MX hosts each). Read-only, as AbstractMap is.
     */
    private static final class Refusals extends AbstractMap<String, String> {
        private final List<Map<String, String>> hosts;

        Refusals(List<Map<String, String>> hosts) {
            this.hosts = List.copyOf(hosts);
        }

        @Override
        public String get(Object address) {
            for (Map<String, String> h : hosts) {
                String why = h.get(address);
                if (why != null) {
                    return why;
                }
            }
            return null;
        }

        @Override
        public boolean containsKey(Object address) {
            return get(address) != null;
        }

        /** Made when asked for (equality, printing): an address several hosts share appears once. */
        @Override
        public Set<Entry<String, String>> entrySet() {
            Map<String, String> all = new LinkedHashMap<>();
            hosts.forEach(h -> h.forEach(all::putIfAbsent));
            return Collections.unmodifiableMap(all).entrySet();
        }
    }

    /** Whether mail may go to this host: it has a global address, or any address with --allow-private-mx. */
    private boolean usable(HostLookup h) {
        return !h.addresses().isEmpty() && (allowPrivateMx || h.refusal() == null);
    }

    /** "HOST resolves to ADDRESS (WHY)" for a host with addresses but none usable; otherwise null. */
    private String privateNote(String host, HostLookup h) {
        if (allowPrivateMx || h.refusal() == null) {
            return null;
        }
        return host + " resolves to " + h.addresses().getFirst() + " (" + h.refusal() + ")"
                + (h.addresses().size() > 1 ? " and " + (h.addresses().size() - 1) + " more such" : "");
    }
}
