package dev.mailcheck.smtp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Which addresses a probe may connect to. An MX record can name any address, so without this a
 * checker could be pointed at a cloud metadata service or a host inside the network it runs in.
 */
public final class AddressGuard {

    private record Block(byte[] prefix, int bits, String what) {
        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((address[i / 8] & mask) != (prefix[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }

    private static final List<Block> BLOCKED = List.of(
            block("0.0.0.0", 8, "unspecified (\"this network\")"),
            block("10.0.0.0", 8, "private (RFC 1918)"),
            block("100.64.0.0", 10, "carrier-grade NAT (RFC 6598)"),
            block("127.0.0.0", 8, "loopback"),
            block("169.254.0.0", 16, "link-local (cloud metadata lives here)"),
            block("172.16.0.0", 12, "private (RFC 1918)"),
            block("192.0.0.0", 24, "IETF protocol assignments"),
            block("192.0.2.0", 24, "documentation (TEST-NET-1)"),
            block("192.88.99.0", 24, "6to4 relay anycast (deprecated)"),
            block("192.168.0.0", 16, "private (RFC 1918)"),
            block("198.18.0.0", 15, "benchmarking (RFC 2544)"),
            block("198.51.100.0", 24, "documentation (TEST-NET-2)"),
            block("203.0.113.0", 24, "documentation (TEST-NET-3)"),
            block("224.0.0.0", 4, "multicast"),
            block("240.0.0.0", 4, "reserved"),
            block("::", 128, "unspecified"),
            block("::1", 128, "loopback"),
            block("::", 96, "IPv4-compatible (deprecated)"),
            block("64:ff9b:1::", 48, "local-use IPv4/IPv6 translation"),
            block("100::", 64, "discard-only"),
            block("2001:db8::", 32, "documentation"),
            block("2001::", 23, "IETF protocol assignments"),
            block("fc00::", 7, "unique local (ULA)"),
            block("fe80::", 10, "link-local"),
            block("fec0::", 10, "site-local (deprecated)"),
            block("ff00::", 8, "multicast"));

    private AddressGuard() {
    }

    /** Why a probe must not connect to {@code address}, or null when it may. */
    public static String refusal(InetAddress address) {
        byte[] raw = address.getAddress();
        // ::ffff:a.b.c.d and 64:ff9b::a.b.c.d reach the embedded IPv4 address: judge that one.
        if (address instanceof Inet6Address && (isMapped(raw) || isNat64(raw))) {
            byte[] v4 = new byte[] {raw[12], raw[13], raw[14], raw[15]};
            String inner = refusal(v4Address(v4));
            return inner == null ? null : "IPv4-mapped " + inner;
        }
        for (Block b : BLOCKED) {
            if (b.contains(raw)) {
                return b.what;
            }
        }
        return null;
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }

    private static boolean isNat64(byte[] a) {
        return a[0] == 0 && (a[1] & 0xff) == 0x64 && (a[2] & 0xff) == 0xff && (a[3] & 0xff) == 0x9b
                && java.util.Arrays.equals(a, 4, 12, new byte[8], 0, 8);
    }

    private static Block block(String literal, int bits, String what) {
        try {
            // Literals only: InetAddress parses them without any lookup.
            return new Block(InetAddress.getByName(literal).getAddress(), bits, what);
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static InetAddress v4Address(byte[] v4) {
        try {
            return Inet4Address.getByAddress(v4);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
