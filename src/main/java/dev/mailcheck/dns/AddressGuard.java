package dev.mailcheck.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Which addresses are on the Internet. An MX record can name any address, so without this a checker
 * could be pointed at a cloud metadata service or a host inside the network it runs in; and mail from
 * the Internet never reaches an MX host that has no global address. The DNS stage and the SMTP probe
 * both ask here, so the rule has one home.
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

    /**
     * An IPv6 form that carries IPv4 addresses: each carried address must pass the IPv4 rules, as packets
     * to it end up there. When {@code onlyEmbedded}, that is the whole verdict (the connection goes to the
     * IPv4 address); otherwise the IPv6 address is then judged as itself too.
     */
    private record Embedding(Block where, Function<byte[], List<Carried>> carried, boolean onlyEmbedded) {
    }

    private record Carried(String role, byte[] ipv4) {
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
            block("::ffff:0:0:0", 96, "IPv4-translated (RFC 2765)"),
            block("::", 96, "IPv4-compatible (deprecated)"),
            block("64:ff9b:1::", 48, "local-use IPv4/IPv6 translation"),
            block("100::", 64, "discard-only"),
            block("2001::", 32, "Teredo tunnel"),
            block("2001:db8::", 32, "documentation"),
            block("2001::", 23, "IETF protocol assignments"),
            block("3fff::", 20, "documentation (RFC 9637)"),
            block("5f00::", 16, "segment routing (RFC 9602)"),
            block("fc00::", 7, "unique local (ULA)"),
            block("fe80::", 10, "link-local"),
            block("fec0::", 10, "site-local (deprecated)"),
            block("ff00::", 8, "multicast"));

    /** Every global IPv6 unicast address is in 2000::/3; the rest is reserved or unassigned. */
    private static final Block GLOBAL_UNICAST = block("2000::", 3, "global unicast");

    private static final List<Embedding> EMBEDDINGS = List.of(
            new Embedding(block("::ffff:0:0", 96, "IPv4-mapped"), a -> List.of(carried("IPv4-mapped", a, 12, 0)), true),
            new Embedding(block("64:ff9b::", 96, "NAT64"), a -> List.of(carried("NAT64", a, 12, 0)), true),
            new Embedding(block("::ffff:0:0:0", 96, "IPv4-translated"),
                    a -> List.of(carried("IPv4-translated", a, 12, 0)), false),
            // :: and ::1 are not IPv4 addresses in disguise: the block list names them.
            new Embedding(block("::", 96, "IPv4-compatible"), a -> a[12] == 0 && a[13] == 0 && a[14] == 0
                    && (a[15] & 0xfe) == 0 ? List.of() : List.of(carried("IPv4-compatible", a, 12, 0)), false),
            new Embedding(block("2002::", 16, "6to4"), a -> List.of(carried("6to4", a, 2, 0)), false),
            // RFC 4380 §4: the server's address as is, the client's with every bit inverted.
            new Embedding(block("2001::", 32, "Teredo"),
                    a -> List.of(carried("Teredo server", a, 4, 0), carried("Teredo client", a, 12, 0xff)), false));

    private AddressGuard() {
    }

    /** Why a probe must not connect to {@code address} and no Internet mail gets there, or null when it is global. */
    public static String refusal(InetAddress address) {
        return refusal(address.getAddress());
    }

    private static String refusal(byte[] raw) {
        for (Embedding e : EMBEDDINGS) {
            if (e.where.contains(raw)) {
                for (Carried c : e.carried.apply(raw)) {
                    String inner = refusal(c.ipv4);
                    if (inner != null) {
                        return c.role + " " + ipv4Text(c.ipv4) + ", " + inner;
                    }
                }
                if (e.onlyEmbedded) {
                    return null;
                }
                break;
            }
        }
        for (Block b : BLOCKED) {
            if (b.contains(raw)) {
                return b.what;
            }
        }
        return raw.length == 16 && !GLOBAL_UNICAST.contains(raw) ? "reserved IPv6 (outside 2000::/3)" : null;
    }

    private static Carried carried(String role, byte[] a, int from, int xor) {
        byte[] v4 = Arrays.copyOfRange(a, from, from + 4);
        for (int i = 0; i < 4; i++) {
            v4[i] ^= (byte) xor;
        }
        return new Carried(role, v4);
    }

    private static String ipv4Text(byte[] v4) {
        return (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + "." + (v4[3] & 0xff);
    }

    private static Block block(String literal, int bits, String what) {
        try {
            // Literals only: InetAddress parses them without any lookup.
            byte[] raw = InetAddress.getByName(literal).getAddress();
            // Java turns ::ffff:a.b.c.d into a 4-byte address; the block is meant in IPv6.
            return new Block(raw.length == 4 && literal.contains(":") ? mapped(raw) : raw, bits, what);
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static byte[] mapped(byte[] v4) {
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return v6;
    }
}
