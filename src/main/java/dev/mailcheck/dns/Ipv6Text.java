package dev.mailcheck.dns;

/** IPv6 addresses written as RFC 5952 recommends (2001:db8::1), not as Java writes them (2001:db8:0:0:0:0:0:1). */
final class Ipv6Text {

    private Ipv6Text() {
    }

    static String of(byte[] v6) {
        int[] groups = new int[8];
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0, run = 0; i < 8; i++) {
            groups[i] = (v6[2 * i] & 0xff) << 8 | v6[2 * i + 1] & 0xff;
            run = groups[i] == 0 ? run + 1 : 0;
            if (run > bestLength) {
                bestLength = run;
                bestStart = i - run + 1;
            }
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }
}
