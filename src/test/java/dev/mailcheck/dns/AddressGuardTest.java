package dev.mailcheck.dns;

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
            64:ff9b::a9fe:a9fe   | NAT64 169.254.169.254, link-local (cloud metadata lives here)
            64:ff9b::808:808     | -
            64:ff9b:1::808:808   | local-use IPv4/IPv6 translation
            64:ff9b:1:7f00:0:100:: | local-use IPv4/IPv6 translation
            2002:7f00:1::        | 6to4 127.0.0.1, loopback
            2002:a9fe:a9fe::1    | 6to4 169.254.169.254, link-local (cloud metadata lives here)
            2002:a00:1::25       | 6to4 10.0.0.1, private (RFC 1918)
            2002:6440:1::        | 6to4 100.64.0.1, carrier-grade NAT (RFC 6598)
            2002:c000:201::      | 6to4 192.0.2.1, documentation (TEST-NET-1)
            2002:808:808::1      | -
            2001:0:7f00:1::1     | Teredo server 127.0.0.1, loopback
            2001:0:808:808:0:0:80ff:fffe | Teredo client 127.0.0.1, loopback
            2001:0:808:808:0:0:5601:5601 | Teredo client 169.254.169.254, link-local (cloud metadata lives here)
            2001:0:808:808:0:0:f7f7:f7f7 | Teredo tunnel
            ::ffff:0:7f00:1      | IPv4-translated 127.0.0.1, loopback
            ::ffff:0:a9fe:a9fe   | IPv4-translated 169.254.169.254, link-local (cloud metadata lives here)
            ::ffff:0:808:808     | IPv4-translated (RFC 2765)
            ::7f00:1             | IPv4-compatible 127.0.0.1, loopback
            ::a00:1              | IPv4-compatible 10.0.0.1, private (RFC 1918)
            ::808:808            | IPv4-compatible (deprecated)
            ::2                  | IPv4-compatible 0.0.0.2, unspecified ("this network")
            100::1               | discard-only
            3fff::1              | documentation (RFC 9637)
            5f00::1              | segment routing (RFC 9602)
            1234::1              | reserved IPv6 (outside 2000::/3)
            4000::1              | reserved IPv6 (outside 2000::/3)
            2001:4860:4860::8888 | -
            198.51.100.7         | documentation (TEST-NET-2)
            203.0.113.7          | documentation (TEST-NET-3)
            198.18.0.1           | benchmarking (RFC 2544)
            192.0.0.8            | IETF protocol assignments
            """)
    void refusesWhatIsNotOnTheInternet(String literal, String expected) throws Exception {
        assertEquals(expected, AddressGuard.refusal(InetAddress.getByName(literal)));
    }
}
