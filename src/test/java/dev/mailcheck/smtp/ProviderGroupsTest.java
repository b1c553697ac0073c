package dev.mailcheck.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProviderGroupsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(textBlock = """
            example-com.mail.protection.outlook.com,   microsoft
            hotmail-com.olc.protection.outlook.com.,   microsoft
            aspmx.l.google.com,                        google
            ALT1.ASPMX.L.GOOGLE.COM,                   google
            aspmx2.googlemail.com,                     google
            mta5.am0.yahoodns.net,                     yahoo
            mx0a-001b2d01.pphosted.com,                proofpoint
            eu-smtp-inbound-1.mimecast.com,            mimecast
            cluster1.eu.messagelabs.com,               broadcom
            d12345a.ess.barracudanetworks.com,         barracuda
            mx1.hc1234-56.iphmx.com,                   cisco
            mx.zoho.eu,                                zoho
            mx01.mail.icloud.com,                      apple
            mxs.mail.ru,                               mailru
            mx.yandex.net,                             yandex
            mx1.qq.com,                                tencent
            mx.example.org,                            mx.example.org
            notoutlook.com,                            notoutlook.com
            """)
    void hostsFallIntoTheirOperatorsGroupOrTheirOwn(String host, String group) {
        assertEquals(group, ProviderGroups.bundled().of(host));
    }
}
