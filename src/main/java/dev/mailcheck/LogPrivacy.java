package dev.mailcheck;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What logs may say about an address: by default its first character and its domain only
 * ({@code j***@example.com}), never the whole address; with {@code LOG_ADDRESSES=true} in the environment
 * or {@code --log-addresses} on the command line, everything, for debugging. Results are not logs: they
 * carry addresses as given.
 */
public final class LogPrivacy {

    /**
     * Something@something in free text: an address, or what is left of one in an error message. The
     * delimiters of paths, URLs and lists end it (a local part with them keeps a few characters unmasked).
     */
    private static final Pattern ADDRESS = Pattern.compile("[^\\s@<>,;:()\\[\\]/=]+@[^\\s@<>,;:()\\[\\]/\"']+");

    private static volatile boolean showAddresses = "true".equalsIgnoreCase(System.getenv("LOG_ADDRESSES"));

    private LogPrivacy() {
    }

    /** Lets logs carry whole addresses (true) or not (false, the default). */
    public static void showAddresses(boolean show) {
        showAddresses = show;
    }

    public static boolean showAddresses() {
        return showAddresses;
    }

    /** Free text for a log line, such as an exception message or an input line, with every address in it masked. */
    public static String text(String text) {
        return showAddresses || text == null ? text : maskAll(text);
    }

    static String maskAll(String text) {
        Matcher m = ADDRESS.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(mask(m.group())));
        }
        return m.appendTail(out).toString();
    }

    /** {@code jane.doe@example.com} → {@code j***@example.com}; a local part under three characters shows none. */
    static String mask(String address) {
        int at = address.lastIndexOf('@');
        String local = address.substring(0, at);
        String first = local.codePointCount(0, local.length()) < 3 ? "" : local.substring(0, local.offsetByCodePoints(0, 1));
        return first + "***" + address.substring(at);
    }
}
