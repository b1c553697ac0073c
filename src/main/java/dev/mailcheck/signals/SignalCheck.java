package dev.mailcheck.signals;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.mailcheck.Reason;
import dev.mailcheck.address.EmailAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** The signals of one parsed address, given what the DNS stage found for its domain. */
public final class SignalCheck {

    /**
     * The DNS answers under which a mistyped top-level label is also corrected on any domain
     * (example.con → example.com): the domain has no usable mail host. Elsewhere such a domain may be
     * real (.cam and .new are top-level domains one edit from .com and .net). A typo of a popular
     * provider's domain is suggested whatever DNS says: gmial.com takes mail, and loses it.
     */
    private static final Set<Reason> NO_MAIL_ROUTE = EnumSet.of(Reason.NO_SUCH_DOMAIN, Reason.NO_MAIL_HOST,
            Reason.NULL_MX, Reason.MX_UNRESOLVABLE, Reason.MX_PRIVATE_ADDRESS);

    private final DomainLists lists;
    private final TypoSuggester typos;
    /**
     * What depends on the domain alone (and whether it has a mail route), worked out once per domain: the
     * edit-distance search was almost half of the list path's CPU when done again for every address of a
     * domain, and the list look-ups the largest part of what was left.
     */
    private final Cache<String, DomainSignals> withRoute = domainCache();
    private final Cache<String, DomainSignals> takingMail = domainCache();
    private final Cache<String, DomainSignals> withoutRoute = domainCache();

    /**
     * What an address's signals take from its domain alone, given DNS's answer: the same for every address there.
     *
     * @param suggestion the domain probably meant, or null
     */
    public record DomainSignals(boolean disposable, boolean freeProvider, String suggestion) {
    }

    private static Cache<String, DomainSignals> domainCache() {
        return Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofHours(1)).build();
    }

    public SignalCheck(DomainLists lists, TypoSuggester typos) {
        this.lists = lists;
        this.typos = typos;
    }

    /**
     * A domain with working MX, a top-level label that is no slip of a popular one, and not a known typo-squat:
     * a real organisation's (cloud.com, hive.com, hotmart.com), which a suggestion would only talk people out of.
     */
    private boolean ownsItsMail(String domain) {
        return !lists.typoSquat(domain) && !typos.mistypedTld(domain);
    }

    /**
     * The signals of input that is no address at all, which carry only a suggestion: the address meant, when the
     * domain part can be repaired ({@code jane@gmail,com}, {@code jane@gmail}) into an address that is one.
     *
     * @param valid whether a repaired address is a valid one
     */
    public Signals ofInvalid(String input, Predicate<String> valid) {
        int at = input.lastIndexOf('@');
        if (at <= 0) {
            return Signals.NONE;
        }
        String local = input.substring(0, at).strip();
        return typos.repair(input.substring(at + 1))
                .filter(d -> valid.test(local + "@" + d))
                .map(d -> new Signals(false, false, false, new Signals.Suggestion(local + "@" + d, d)))
                .orElse(Signals.NONE);
    }

    /** On the bundled lists, loaded on first use. */
    public static SignalCheck bundled() {
        return Bundled.CHECK;
    }

    private static final class Bundled {
        static final SignalCheck CHECK = new SignalCheck(DomainLists.bundled(),
                TypoSuggester.bundled());
    }

    /**
     * The verdict stays DNS's and SMTP's: a typo domain that takes mail is deliverable, with a suggestion.
     *
     * @param domainReason the DNS stage's reason for the address's domain
     */
    public Signals of(EmailAddress address, Reason domainReason) {
        return of(address, (NO_MAIL_ROUTE.contains(domainReason) ? withoutRoute : domainReason == Reason.ACCEPTS_MAIL
                ? takingMail : withRoute).get(address.domain(), k -> domain(address, domainReason)));
    }

    /**
     * What the signals of {@code address} take from its domain, worked out anew (the list look-ups, the typo search):
     * for a caller that keeps it for every address of the domain.
     *
     * @param domainReason the DNS stage's reason for the address's domain
     */
    public DomainSignals domain(EmailAddress address, Reason domainReason) {
        String domain = address.domain();
        boolean noRoute = NO_MAIL_ROUTE.contains(domainReason);
        boolean takesMail = domainReason == Reason.ACCEPTS_MAIL;
        return new DomainSignals(lists.disposable(address), lists.freeProvider(address),
                (noRoute ? typos.suggest(domain) : takesMail && ownsItsMail(domain) ? Optional.<String>empty()
                        : typos.nearPopular(domain)).orElse(null));
    }

    /** The signals of {@code address}, given what its domain's are. */
    public Signals of(EmailAddress address, DomainSignals d) {
        return d.suggestion() == null ? Signals.of(lists.role(address), d.disposable(), d.freeProvider())
                : new Signals(lists.role(address), d.disposable(), d.freeProvider(),
                        new Signals.Suggestion(address.localPart() + "@" + d.suggestion(), d.suggestion()));
    }
}
