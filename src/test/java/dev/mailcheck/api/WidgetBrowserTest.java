package dev.mailcheck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mailcheck.Reason;
import dev.mailcheck.Verdict;
import dev.mailcheck.testbed.Chromium;
import dev.mailcheck.testbed.ServeProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.net.URLEncoder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The signup-form widget in a real browser (headless Chromium), served by {@code checker serve} with the test
 * NSD behind it: on the demo pages, and embedded in another site's page as from a CDN.
 */
class WidgetBrowserTest {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    /** axe-core's rules, fetched by scripts/setup --test. */
    private static final Path AXE = Path.of(".test-tools", "axe-core", "axe.min.js");
    /** Lets the stand-in API at /slow answer. */
    private static volatile CompletableFuture<Void> release = new CompletableFuture<>();
    @TempDir
    static Path profile;
    private static ServeProcess serve;
    private static HttpServer site;
    private static ChromeDriver browser;

    @BeforeAll
    static void start() throws IOException {
        // Another site that embeds the widget; serve allows it as a CORS origin.
        site = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        site.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        site.createContext("/", WidgetBrowserTest::site);
        site.start();
        serve = ServeProcess.start("--cors-origin", siteUrl(""));
        if (!Files.isReadable(AXE)) {
            throw new IllegalStateException(AXE + " is missing: run scripts/setup --test, which fetches axe-core");
        }
        browser = Chromium.start(profile);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        if (serve != null) {
            serve.close();
        }
        if (site != null) {
            site.stop(0);
        }
    }

    @Test
    void aNullMxAddressIsRefusedAndTheFormIsNotSent() {
        browser.get(serve.resolve("/demo").toString());
        WebElement email = browser.findElement(By.id("email"));
        // Enter at once: the submit waits for the answer, which refuses it.
        email.sendKeys("jane@nullmx.checker.test", Keys.ENTER);

        WebElement message = waitFor(By.cssSelector(".mailcheck-error"));
        assertEquals("This domain does not accept email.", message.getText());
        assertEquals("true", email.getDomAttribute("aria-invalid"));
        assertEquals("This domain does not accept email.", status().getDomProperty("textContent"));
        assertTrue(email.getDomAttribute("aria-describedby").contains(message.getDomAttribute("id")));
        assertEquals(email, browser.switchTo().activeElement());
        assertFalse(browser.getCurrentUrl().contains("email="), browser.getCurrentUrl());
        assertFalse(browser.findElement(By.id("signed-up")).isDisplayed());
    }

    /**
     * While typing only the suggestion shows (gmial.con does not exist, but the person is not done yet); the
     * field's description and the live region read one sentence, with no button label inside it.
     */
    @Test
    void aTypoIsSuggestedAndOneClickFixesIt() throws IOException {
        browser.get(serve.resolve("/demo").toString());
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@gmial.con");

        WebElement fix = waitFor(By.cssSelector(".mailcheck-fix"));
        assertEquals("jane@gmail.com", fix.getText());
        assertEquals("jane@gmail.com", fix.getAccessibleName());
        WebElement box = browser.findElement(By.cssSelector(".mailcheck"));
        assertEquals("Did you mean jane@gmail.com?", box.getDomProperty("textContent"));
        assertEquals("Did you mean jane@gmail.com?", status().getDomProperty("textContent"));
        assertNull(email.getDomAttribute("aria-invalid"));
        assertTrue(browser.findElements(By.cssSelector(".mailcheck-error")).isEmpty());

        // Leaving the field says what is wrong.
        browser.findElement(By.id("name")).click();
        assertEquals("This domain does not exist. Did you mean jane@gmail.com?",
                waitFor(By.cssSelector(".mailcheck-error")).getDomProperty("textContent"));
        assertEquals("This domain does not exist. Did you mean jane@gmail.com?", status().getDomProperty("textContent"));
        screenshot("widget-demo");

        browser.findElement(By.cssSelector(".mailcheck-fix")).click();
        assertEquals("jane@gmail.com", email.getDomProperty("value"));
        // gmail.com is not in the test zones: NSD refuses it, an unknown verdict, which never blocks.
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> email.getDomAttribute("aria-invalid") == null
                && d.findElements(By.cssSelector(".mailcheck-error")).isEmpty());
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        waitFor(By.cssSelector("#signed-up"));
        assertTrue(browser.getCurrentUrl().contains("email=jane%40gmail.com"), browser.getCurrentUrl());
    }

    @Test
    void theArabicPageIsRightToLeftAndItsFixWorksFromTheKeyboard() throws IOException {
        browser.get(serve.resolve("/demo?lang=ar").toString());
        assertEquals("rtl", browser.findElement(By.tagName("html")).getDomAttribute("dir"));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@yaho.con");
        waitFor(By.cssSelector(".mailcheck-fix"));
        assertEquals("هل تقصد jane@yahoo.com؟", status().getDomProperty("textContent"));

        browser.findElement(By.id("name")).click();
        WebElement message = waitFor(By.cssSelector(".mailcheck-error"));
        assertEquals("rtl", message.getCssValue("direction"));
        assertEquals("ar", message.getDomAttribute("lang"));
        assertEquals("هذا النطاق لا يقبل البريد الإلكتروني. هل تقصد jane@yahoo.com؟", message.getText());
        assertEquals("هذا النطاق لا يقبل البريد الإلكتروني. هل تقصد jane@yahoo.com؟", status().getDomProperty("textContent"));
        screenshot("widget-demo-ar");

        // Tab leads from the field to the fix; Enter takes it.
        email.click();
        email.sendKeys(Keys.TAB);
        WebElement focused = browser.switchTo().activeElement();
        assertEquals("jane@yahoo.com", focused.getAccessibleName());
        focused.sendKeys(Keys.ENTER);
        assertEquals("jane@yahoo.com", email.getDomProperty("value"));
        assertEquals(email, browser.switchTo().activeElement());
    }

    @Test
    void fromAnotherSiteTheApiAnswersThroughCors() {
        browser.get(siteUrl("/signup?api=" + serve.base()));
        browser.findElement(By.id("email")).sendKeys("jane@nullmx.checker.test", Keys.ENTER);
        assertEquals("This domain does not accept email.", waitFor(By.cssSelector(".mailcheck-error")).getText());
        assertEquals("Sign up", browser.getTitle());
        // The page's own handler, added before the widget's, never saw the blocked submit.
        assertNull(((JavascriptExecutor) browser).executeScript("return window.pageSaw"));
    }

    /** Another field attached from script, with its own API and options (as JSON, beside the API). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"lang": "ar"}            | jane@nullmx.checker.test | هذا النطاق لا يقبل البريد الإلكتروني. | rtl
            {"freeProvider": "warn"}  | jane@gmail.com           | Please use your work address.         | ltr
            """)
    void attachedFromScriptWithItsOwnApiAndOptions(String options, String address, String said, String direction) {
        browser.get(siteUrl("/signup?api=http://127.0.0.1:1"));
        script("""
                const input = Object.assign(document.createElement("input"), {id: "other", type: "email"});
                document.querySelector("form").append(input);
                MailCheck.attach(input, Object.assign({api: arguments[0]}, JSON.parse(arguments[1])));""",
                serve.base().toString(), options);
        browser.findElement(By.id("other")).sendKeys(address, Keys.TAB);
        WebElement message = waitFor(By.id("other-mailcheck"));
        assertEquals(said, message.getText());
        assertEquals(direction, message.getCssValue("direction"));
    }

    /** An API that is down, silent past the 3 s timeout, or failing never keeps anyone from signing up. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"closed port", "silent", "broken"})
    void theFormIsSentWhenTheApiCannotAnswer(String api) throws IOException {
        String url = switch (api) {
            case "closed port" -> {
                try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    yield "http://127.0.0.1:" + s.getLocalPort();
                }
            }
            default -> siteUrl("/" + api);
        };
        browser.get(siteUrl("/signup?api=" + url));
        browser.findElement(By.id("email")).sendKeys("jane@nullmx.checker.test", Keys.ENTER);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.titleIs("Thanks"));
    }

    @Test
    void aRiskyAddressIsWarnedAboutButSent() {
        browser.get(siteUrl("/signup?api=" + siteUrl("/risky")));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@catch-all.example", Keys.TAB);
        assertTrue(waitFor(By.cssSelector(".mailcheck-warning")).getText().startsWith("This domain accepts any address"));
        assertNull(email.getDomAttribute("aria-invalid"));
        browser.findElement(By.tagName("button")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.titleIs("Thanks"));
    }

    @Test
    void everyRefusalAndWarningHasItsMessageInEveryLanguage() {
        browser.get(serve.resolve("/demo").toString());
        Set<String> expected = Arrays.stream(Reason.values())
                .filter(r -> r.verdict() == Verdict.UNDELIVERABLE || r.verdict() == Verdict.RISKY)
                .map(Reason::code).collect(Collectors.toSet());
        for (String lang : List.of("en", "ar")) {
            Object keys = ((JavascriptExecutor) browser).executeScript(
                    "return Object.keys(MailCheck.strings[arguments[0]].reasons)", lang);
            assertEquals(expected, Set.copyOf((List<?>) keys), lang);
        }
    }

    /** The case: "This domain does not exist" turned the field red while the person was still typing. */
    @Test
    void errorsWaitForBlurOrSubmit() {
        browser.get(siteUrl("/signup?api=" + serve.base()));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@nullmx.checker.test");
        WebElement box = browser.findElement(By.id("email-mailcheck"));
        // The check made while typing has answered: undeliverable, and nothing is said yet.
        Map<?, ?> detail = lastResult(1);
        assertEquals("undeliverable", ((Map<?, ?>) detail.get("result")).get("verdict"));
        assertEquals(true, detail.get("blocking"));
        assertEquals("This domain does not accept email.", detail.get("message"));
        assertEquals("", box.getDomProperty("textContent"));
        assertEquals("", status().getDomProperty("textContent"));
        assertNull(email.getDomAttribute("aria-invalid"));

        email.sendKeys(Keys.TAB);
        assertEquals("This domain does not accept email.", waitFor(By.cssSelector(".mailcheck-error")).getText());
        assertEquals("true", email.getDomAttribute("aria-invalid"));
        // Typing again takes the error away until the field is left again.
        email.sendKeys(Keys.BACK_SPACE);
        assertTrue(browser.findElements(By.cssSelector(".mailcheck-error")).isEmpty());
        assertNull(email.getDomAttribute("aria-invalid"));
    }

    /** Three clicks while the check is out: the button is busy, and the page's submit handler runs once. */
    @Test
    void aSubmitWaitingForTheCheckIsBusyAndRunsThePageHandlerOnce() throws Exception {
        release = new CompletableFuture<>();
        browser.get(siteUrl("/signup?stay&api=" + siteUrl("/slow")));
        browser.findElement(By.id("email")).sendKeys("jane@good.checker.test");
        WebElement button = browser.findElement(By.tagName("button"));
        for (int i = 0; i < 3; i++) {
            button.click();
        }
        assertEquals("true", button.getDomAttribute("aria-busy"));
        assertEquals("true", button.getDomAttribute("aria-disabled"));
        assertNull(script("return window.pageSaw"));

        release.complete(null);
        lastResult(1);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> button.getDomAttribute("aria-busy") == null);
        assertNull(button.getDomAttribute("aria-disabled"));
        assertEquals(1L, script("return window.pageSaw"));
        // Once answered, a new submit goes straight through, once.
        button.click();
        assertEquals(2L, script("return window.pageSaw"));
    }

    /** The page's choices for the signals (data attributes on the field), and the event it hears. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # attribute                          | address                      | signal        | class              | message                                                                       | sent
            data-mailcheck-disposable=block      | ann@mailinator.com           | disposable    | mailcheck-error    | This is a throw-away address: please use one you will keep.                   | false
            data-mailcheck-disposable=warn       | ann@mailinator.com           | disposable    | mailcheck-warning  | This is a throw-away address: please use one you will keep.                   | true
            data-mailcheck-disposable=ignore     | ann@mailinator.com           | disposable    | -                  | -                                                                             | true
            -                                    | ann@mailinator.com           | disposable    | -                  | -                                                                             | true
            data-mailcheck-role=warn             | postmaster@good.checker.test | role          | mailcheck-warning  | This address is for a role or a team, not a person: a personal one is better. | true
            -                                    | postmaster@good.checker.test | role          | -                  | -                                                                             | true
            data-mailcheck-free-provider=warn    | jane@gmail.com               | free_provider | mailcheck-warning  | Please use your work address.                                                 | true
            data-mailcheck-role=block            | postmaster@good.checker.test | role          | -                  | -                                                                             | true
            """)
    void theSignalsDoWhatThePageAsks(String attribute, String address, String signal, String cssClass, String message,
                                     boolean sent) {
        String attr = attribute == null ? "" : "&attr=" + URLEncoder.encode(attribute, StandardCharsets.UTF_8);
        browser.get(siteUrl("/signup?api=" + serve.base() + attr));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys(address, Keys.TAB);
        Map<?, ?> detail = lastResult(1);
        assertEquals(true, ((Map<?, ?>) detail.get("result")).get(signal), signal);
        assertEquals(!sent, detail.get("blocking"));
        assertEquals(message, detail.get("message"));
        WebElement box = browser.findElement(By.id("email-mailcheck"));
        if (cssClass == null) {
            assertEquals("mailcheck", box.getDomAttribute("class"));
            assertEquals("", box.getDomProperty("textContent"));
        } else {
            assertEquals("mailcheck " + cssClass, box.getDomAttribute("class"));
            assertEquals(message, box.getText());
        }
        browser.findElement(By.tagName("button")).click();
        if (sent) {
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.titleIs("Thanks"));
        } else {
            assertEquals("Sign up", browser.getTitle());
            assertNull(script("return window.pageSaw"));
            assertEquals(email, browser.switchTo().activeElement());
        }
    }

    /**
     * However narrow the message, the "?" stays with the address before it; and the button below the field
     * does not move when the message appears and wraps onto a second line.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/demo", "/demo?lang=ar"})
    void theMessageWrapsWithoutOrphansOrJumps(String page) {
        browser.get(serve.resolve(page).toString());
        // Narrow enough for the message to wrap in either language.
        script("document.body.style.maxWidth = '20rem'");
        WebElement submit = browser.findElement(By.cssSelector("button[type=submit]"));
        double before = ((Number) script("return arguments[0].getBoundingClientRect().top", submit)).doubleValue();
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@yaho.con");
        waitFor(By.cssSelector(".mailcheck-fix"));
        browser.findElement(By.id("name")).click();
        waitFor(By.cssSelector(".mailcheck-error"));

        Object lines = script("""
                const box = arguments[0], range = document.createRange();
                range.selectNodeContents(box);
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;""",
                browser.findElement(By.id("email-mailcheck")));
        assertEquals(2L, lines, "the message is meant to wrap once at this width");
        assertEquals(before, ((Number) script("return arguments[0].getBoundingClientRect().top", submit)).doubleValue(),
                1, "the button moved");

        Object orphans = script("""
                const box = arguments[0], fix = box.querySelector(".mailcheck-fix");
                const mark = document.createRange();
                mark.selectNodeContents(fix.parentNode.lastChild);
                const orphaned = [];
                for (let width = 80; width <= 480; width += 2) {
                  box.style.width = width + "px";
                  // On one line: the middle of the "?" lies within the button's height.
                  const m = mark.getBoundingClientRect(), f = fix.getBoundingClientRect(), middle = (m.top + m.bottom) / 2;
                  if (middle < f.top || middle > f.bottom) orphaned.push(width);
                }
                box.style.width = "";
                return orphaned;""", browser.findElement(By.id("email-mailcheck")));
        assertEquals(List.of(), orphans);
    }

    /** axe-core's rules on both demo pages with a message and a suggestion showing: nothing serious or critical. */
    @ParameterizedTest
    @ValueSource(strings = {"/demo", "/demo?lang=ar"})
    void theDemoPagesPassAxe(String page) throws IOException {
        browser.get(serve.resolve(page).toString());
        browser.findElement(By.id("email")).sendKeys("jane@gmial.con");
        waitFor(By.cssSelector(".mailcheck-fix"));
        browser.findElement(By.id("name")).click();
        waitFor(By.cssSelector(".mailcheck-error"));
        script(Files.readString(AXE));
        Object violations = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                axe.run(document, {resultTypes: ["violations"]}).then(
                    r => done(r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
                        .map(v => v.id + " (" + v.impact + "): " + v.nodes.map(n => n.target.join(" ")).join(", "))),
                    e => done(["axe did not run: " + e]));""");
        assertEquals(List.of(), violations);
    }

    private static WebElement waitFor(By what) {
        return new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(what));
    }

    private static Object script(String js, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(js, args);
    }

    /** The off-screen live region next to the field: what a screen reader hears. */
    private static WebElement status() {
        return browser.findElement(By.id("email-mailcheck-status"));
    }

    /** The detail of the page's n-th {@code mailcheck:result} event, once it has come. */
    private static Map<?, ?> lastResult(int n) {
        new WebDriverWait(browser, Duration.ofSeconds(10))
                .until(d -> ((Number) script("return (window.results || []).length")).intValue() >= n);
        return (Map<?, ?>) script("return window.results[arguments[0] - 1]", n);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            int eq = pair.indexOf('=');
            out.put(eq < 0 ? pair : pair.substring(0, eq),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Kept under target/screenshots as build artefacts; docs/widget-demo.png and widget-demo-ar.png are two of them. */
    private static void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOTS.resolve(name + ".png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static String siteUrl(String path) {
        return "http://127.0.0.1:" + site.getAddress().getPort() + path;
    }

    /**
     * The other site: {@code /signup?api=URL} (a form whose email field uses the API at URL, with the widget
     * loaded from serve as from a CDN, a submit handler of the page's own that counts in {@code pageSaw}, and
     * {@code mailcheck:result} events kept in {@code results}; {@code &attr=NAME=VALUE} adds an attribute to the
     * field, {@code &stay} keeps the form from leaving), {@code /thanks} where the form goes, and four
     * stand-in APIs: {@code /silent} never answers, {@code /broken} answers 500, {@code /risky} calls every
     * address risky, {@code /slow} calls it deliverable once the test lets it ({@link #release}).
     */
    private static void site(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            int status = 200;
            String type = "text/html; charset=utf-8";
            String body;
            switch (path) {
                case "/signup" -> body = """
                        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign up</title>
                        <script src="%s/widget.js" defer></script></head><body>
                        <form action="/thanks"><input id="email" name="email" type="email" data-mailcheck
                        data-mailcheck-api="%s" %s><button>Sign up</button></form>
                        <script>
                        document.forms[0].addEventListener("submit", e => {
                          window.pageSaw = (window.pageSaw || 0) + 1;
                          if (%s) e.preventDefault();
                        });
                        document.addEventListener("mailcheck:result", e => (window.results ||= []).push(e.detail));
                        </script></body></html>"""
                        .formatted(serve.base(), query.get("api"), query.getOrDefault("attr", ""),
                                query.containsKey("stay"));
                case "/slow/v1/check" -> {
                    try {
                        release.get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // Released or not, the answer goes out: the test's own wait fails if it came too late.
                    }
                    type = "application/json";
                    body = "{\"verdict\": \"deliverable\", \"reason\": \"accepts_mail\", \"suggestion\": null}";
                }
                case "/thanks" -> body = "<!doctype html><title>Thanks</title>";
                case "/silent/v1/check" -> {
                    try {
                        Thread.sleep(Duration.ofSeconds(30));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    body = "";
                }
                case "/broken/v1/check" -> {
                    status = 500;
                    body = "{\"error\": \"broken on purpose\"}";
                }
                case "/risky/v1/check" -> {
                    type = "application/json";
                    body = "{\"verdict\": \"risky\", \"reason\": \"accept_all\", \"suggestion\": null}";
                }
                default -> {
                    status = 404;
                    body = "";
                }
            }
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", type);
            exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
        }
    }
}
