package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pure decisions on address literals: nothing here connects anywhere. */
class AddressGuardTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # address            | refused as
            8.8.8.8              | -
            2a00:1450:4001::1b   | -
            127.0.0.1            | loopback
            127.9.9.9            | loopback
            10.1.2.3             | private (RFC 1918)
            172.16.0.1           | private (RFC 1918)
            172.31.255.255       | private (RFC 1918)
            172.32.0.1           | -
            192.168.1.1          | private (RFC 1918)
            169.254.169.254      | link-local (cloud metadata lives here)
            100.64.0.1           | carrier-grade NAT (RFC 6598)
            100.128.0.1          | -
            0.0.0.0              | unspecified ("this network")
            224.0.0.1            | multicast
            255.255.255.255      | reserved
            192.0.2.1            | documentation (TEST-NET-1)
            ::                   | unspecified
            ::1                  | loopback
            fd00::1              | unique local (ULA)
            fc12::1              | unique local (ULA)
            fe80::1              | link-local
            ff02::1              | multicast
            2001:db8::1          | documentation
            ::ffff:127.0.0.1     | loopback
            ::ffff:10.0.0.1      | private (RFC 1918)
            ::ffff:8.8.8.8       | -
            64:ff9b::a9fe:a9fe   | IPv4-mapped link-local (cloud metadata lives here)
            64:ff9b::808:808     | -
            """)
    void refusesWhatIsNotOnTheInternet(String literal, String expected) throws Exception {
        assertEquals(expected, AddressGuard.refusal(InetAddress.getByName(literal)));
    }
}
