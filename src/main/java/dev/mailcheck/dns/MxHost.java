package dev.mailcheck.dns;

import java.util.List;

/**
 * One mail exchanger as resolved: its preference, its name, and the IPv4/IPv6 addresses found for it
 * (empty when the name has none).
 */
public record MxHost(int preference, String host, List<String> addresses) {
}
