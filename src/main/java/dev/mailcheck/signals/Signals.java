package dev.mailcheck.signals;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What an address says about itself beyond DNS and SMTP (Reacher calls this stage "misc"). None of it
 * changes the verdict: a role or free-provider address is deliverable all the same.
 *
 * @param role         the local part names a role or team (postmaster, info, support …), not a person
 * @param disposable   the domain is a throw-away mailbox service
 * @param freeProvider the domain gives mailboxes to anyone for free (gmail.com), not an organisation's own
 * @param suggestion   the address the person probably meant, or null
 */
@JsonPropertyOrder({"role", "disposable", "free_provider", "suggestion"})
public record Signals(boolean role, boolean disposable, boolean freeProvider, Suggestion suggestion) {

    /** For input that is not an address at all. */
    public static final Signals NONE = new Signals(false, false, false, null);

    /** How many signals there are without a suggestion: {@link #plain} numbers them from 0. */
    public static final int PLAIN_COUNT = 8;

    /** The signals without a suggestion, by {@link #plainIndex}. */
    private static final Signals[] PLAIN = new Signals[PLAIN_COUNT];

    static {
        for (int i = 0; i < PLAIN_COUNT; i++) {
            PLAIN[i] = i == 0 ? NONE : new Signals((i & 4) != 0, (i & 2) != 0, (i & 1) != 0, null);
        }
    }

    /** Signals without a suggestion: one of eight shared values, not an object more for every address of a list. */
    public static Signals of(boolean role, boolean disposable, boolean freeProvider) {
        return PLAIN[plainIndex(role, disposable, freeProvider)];
    }

    /** The number of these signals, without a suggestion, among the eight: role 4, disposable 2, free provider 1. */
    public static int plainIndex(boolean role, boolean disposable, boolean freeProvider) {
        return (role ? 4 : 0) | (disposable ? 2 : 0) | (freeProvider ? 1 : 0);
    }

    /** The signals without a suggestion numbered {@code index} by {@link #plainIndex}. */
    public static Signals plain(int index) {
        return PLAIN[index];
    }

    /** A corrected address ({@code ann@gmail.com} for {@code ann@gmial.com}) and its domain. */
    public record Suggestion(String address, String domain) {
    }
}
