package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mailcheck.Reason;
import dev.mailcheck.dns.MailDomain;
import dev.mailcheck.dns.MxHost;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The plan dials what the DNS stage let through ({@link MailDomain#refused()}), in order, and nothing else. */
class PlanTest {

    @ParameterizedTest(name = "{0} refused {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # MX hosts' addresses (host=address ...)                 | refused (address=why ...) | dialled
            a.test=192.0.2.1 a.test=10.1.2.3 b.test=192.0.2.2        | ''                        | 192.0.2.1 10.1.2.3 192.0.2.2
            a.test=192.0.2.1 a.test=10.1.2.3 b.test=192.0.2.2        | 10.1.2.3=private          | 192.0.2.1 192.0.2.2
            a.test=127.0.0.1 b.test=2001:db8::2                      | 127.0.0.1=loopback        | 2001:db8::2
            a.test=127.0.0.1                                         | 127.0.0.1=loopback        | ''
            """)
    void dialsWhatDnsLetThrough(String hosts, String refused, String dialled) throws UnknownHostException {
        Map<String, List<String>> byHost = new LinkedHashMap<>();
        for (String pair : hosts.split(" ")) {
            String[] hostAddress = pair.split("=");
            byHost.computeIfAbsent(hostAddress[0], h -> new ArrayList<>()).add(hostAddress[1]);
        }
        int[] preference = {0};
        List<MxHost> mx = byHost.entrySet().stream()
                .map(e -> new MxHost(preference[0] += 10, e.getKey(), e.getValue())).toList();
        Map<String, String> refusedAddresses = new LinkedHashMap<>();
        for (String pair : refused.isEmpty() ? new String[0] : refused.split(" ")) {
            refusedAddresses.put(pair.substring(0, pair.lastIndexOf('=')), pair.substring(pair.lastIndexOf('=') + 1));
        }
        Plan plan = Plan.of(new MailDomain("example.test", Reason.ACCEPTS_MAIL, "", mx, null, false, 60,
                refusedAddresses));
        List<InetAddress> expected = new ArrayList<>();
        for (String a : dialled.isEmpty() ? new String[0] : dialled.split(" ")) {
            expected.add(InetAddress.getByName(a)); // an IP literal: no lookup
        }
        assertEquals(expected, plan.targets().stream().map(Plan.Target::address).toList());
        assertEquals(refusedAddresses.isEmpty(), plan.refused() == null, String.valueOf(plan.refused()));
    }
}
