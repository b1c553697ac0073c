package dev.mailcheck.signals;

import dev.mailcheck.Reason;
import dev.mailcheck.address.EmailAddress;
import java.util.EnumSet;
import java.util.Set;

/** The signals of one parsed address, given what the DNS stage found for its domain. */
public final class SignalCheck {

    /**
     * The DNS answers under which a typo suggestion is made: the domain has no usable mail host. A
     * domain whose mail can be routed is never "corrected" — gmail.co may be a typo, but if it takes mail
     * the sender should hear about its verdict, not be steered elsewhere — and a DNS failure says nothing
     * either way.
     */
    private static final Set<Reason> NO_MAIL_ROUTE = EnumSet.of(Reason.NO_SUCH_DOMAIN, Reason.NO_MAIL_HOST,
            Reason.NULL_MX, Reason.MX_UNRESOLVABLE, Reason.MX_PRIVATE_ADDRESS);

    private final DomainLists lists;
    private final TypoSuggester typos;

    public SignalCheck(DomainLists lists, TypoSuggester typos) {
        this.lists = lists;
        this.typos = typos;
    }

    /** On the bundled lists, loaded on first use. */
    public static SignalCheck bundled() {
        return Bundled.CHECK;
    }

    private static final class Bundled {
        static final SignalCheck CHECK = new SignalCheck(DomainLists.bundled(),
                new TypoSuggester(DomainLists.bundled().popular()));
    }

    /** @param domainReason the DNS stage's reason for the address's domain */
    public Signals of(EmailAddress address, Reason domainReason) {
        Signals.Suggestion suggestion = !NO_MAIL_ROUTE.contains(domainReason) ? null
                : typos.suggest(address.domain())
                        .map(d -> new Signals.Suggestion(address.localPart() + "@" + d, d))
                        .orElse(null);
        return new Signals(lists.role(address), lists.disposable(address), lists.freeProvider(address), suggestion);
    }
}
