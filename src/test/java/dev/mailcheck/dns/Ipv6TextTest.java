package dev.mailcheck.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The longest run of zero groups (the first of equal ones, never a lone one) as "::", no leading zeros. */
class Ipv6TextTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"2001:db8:0:0:0:0:0:1, 2001:db8::1", "::1, ::1", "::, ::", "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:1:1:1:1:1:0, 2001:db8:1:1:1:1:1:0", "fe80:0:0:0:0:0:0:0, fe80::", "2001:0:0:1:0:0:0:1, 2001:0:0:1::1"})
    void writesIpv6AsRfc5952Recommends(String java, String expected) throws Exception {
        assertEquals(expected, Ipv6Text.of(InetAddress.getByName(java).getAddress()));
    }
}
