package dev.mailcheck.dns;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;

/** {@code HOST[:PORT]} as the options and the environment give servers ({@code [::1]:5353} for IPv6). */
public final class Servers {

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
        return new InetSocketAddress(host, port);
    }

    /** A comma-separated list; blank means none. */
    public static List<InetSocketAddress> parseList(String list, int defaultPort) {
        return list == null || list.isBlank() ? List.of()
                : Arrays.stream(list.split(",")).map(s -> parse(s, defaultPort)).toList();
    }
}
