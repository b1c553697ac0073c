package dev.mailcheck.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** {@code HOST[:PORT]} as the options and the environment give servers ({@code [::1]:5353} for IPv6). */
public final class Servers {

    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    /** LDH labels (RFC 1123 §2.1), each 1 to 63 characters, not starting or ending with a hyphen. */
    private static final Pattern HOSTNAME =
            Pattern.compile("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    private Servers() {
    }

    public static InetSocketAddress parse(String hostPort, int defaultPort) {
        String s = hostPort.strip();
        int colon = s.lastIndexOf(':');
        boolean bracketed = s.startsWith("[");
        boolean hasPort = bracketed ? s.contains("]:") : colon > 0 && s.indexOf(':') == colon;
        String host = hasPort ? s.substring(0, colon) : s;
        if (bracketed) {
            host = host.substring(1, host.length() - (host.endsWith("]") ? 1 : 0));
        }
        int port;
        try {
            port = hasPort ? Integer.parseInt(s.substring(colon + 1)) : defaultPort;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new IllegalArgumentException("wants HOST or HOST:PORT, not " + hostPort);
        }
        return new InetSocketAddress(address(host), port);
    }

    /**
     * The address of a server, resolved once, here: an unresolved one failed only when a query was sent, and
     * every query then leaked its socket and its slot. A name is checked before anything is asked, so that
     * a malformed one or one under {@code .invalid} (RFC 6761 §6.4: it never resolves) costs no lookup.
     */
    private static InetAddress address(String host) {
        boolean literal = host.contains(":") || IPV4.matcher(host).matches();
        if (literal && !host.contains(":") && Arrays.stream(host.split("\\.")).anyMatch(o -> Integer.parseInt(o) > 255)) {
            // Java would take 999.1.1.1 for a host name and look it up.
            throw new IllegalArgumentException("wants an IP address, not " + host);
        }
        if (!literal) {
            String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
            if (name.length() > 253 || !HOSTNAME.matcher(name).matches()) {
                throw new IllegalArgumentException("wants a host name or an IP address, not " + host);
            }
            if (name.toLowerCase(Locale.ROOT).matches("(.+\\.)?invalid")) {
                throw new IllegalArgumentException("cannot resolve " + host + ": names under .invalid never resolve"
                        + " (RFC 6761)");
            }
        }
        try {
            return InetAddress.getByName(host); // an IP literal is parsed, not looked up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException((literal ? "wants an IP address, not " : "cannot resolve ") + host);
        }
    }

    /** A comma-separated list; blank means none. */
    public static List<InetSocketAddress> parseList(String list, int defaultPort) {
        return list == null || list.isBlank() ? List.of()
                : Arrays.stream(list.split(",")).map(s -> parse(s, defaultPort)).toList();
    }
}
