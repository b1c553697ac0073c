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
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
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
        assertEquals("polite", message.getDomAttribute("aria-live"));
        assertTrue(email.getDomAttribute("aria-describedby").contains(message.getDomAttribute("id")));
        assertEquals(email, browser.switchTo().activeElement());
        assertFalse(browser.getCurrentUrl().contains("email="), browser.getCurrentUrl());
        assertFalse(browser.findElement(By.id("signed-up")).isDisplayed());
    }

    @Test
    void aTypoIsSuggestedAndOneClickFixesIt() throws IOException {
        browser.get(serve.resolve("/demo").toString());
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@gmial.con");

        WebElement fix = waitFor(By.cssSelector(".mailcheck-fix"));
        assertEquals("jane@gmail.com", fix.getText());
        assertEquals("Use jane@gmail.com", fix.getDomAttribute("aria-label"));
        assertTrue(browser.findElement(By.cssSelector(".mailcheck")).getText()
                .endsWith("Did you mean jane@gmail.com?"), browser.findElement(By.cssSelector(".mailcheck")).getText());
        screenshot("typo-suggestion");

        fix.click();
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

        WebElement message = waitFor(By.cssSelector(".mailcheck-error"));
        assertEquals("rtl", message.getCssValue("direction"));
        assertEquals("ar", message.getDomAttribute("lang"));
        assertTrue(message.getText().startsWith("هذا النطاق لا يقبل البريد الإلكتروني."), message.getText());
        assertTrue(message.getText().endsWith("هل تقصد jane@yahoo.com؟"), message.getText());
        screenshot("arabic");

        // Tab leads from the field to the fix; Enter takes it.
        email.sendKeys(Keys.TAB);
        WebElement focused = browser.switchTo().activeElement();
        assertEquals("استخدم jane@yahoo.com", focused.getDomAttribute("aria-label"));
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

    @Test
    void attachedFromScriptWithItsOwnApiAndLanguage() {
        browser.get(siteUrl("/signup?api=http://127.0.0.1:1"));
        ((JavascriptExecutor) browser).executeScript("""
                const input = Object.assign(document.createElement("input"), {id: "other", type: "email"});
                document.querySelector("form").append(input);
                MailCheck.attach(input, {api: arguments[0], lang: "ar"});""", serve.base().toString());
        browser.findElement(By.id("other")).sendKeys("jane@nullmx.checker.test", Keys.TAB);
        WebElement message = waitFor(By.id("other-mailcheck"));
        assertEquals("هذا النطاق لا يقبل البريد الإلكتروني.", message.getText());
        assertEquals("rtl", message.getCssValue("direction"));
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

    private static WebElement waitFor(By what) {
        return new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(what));
    }

    /** Kept under target/screenshots as build artefacts; docs/widget-demo.png is one of them. */
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
     * loaded from serve as from a CDN, and a submit handler of the page's own), {@code /thanks} where the form goes, and three stand-in APIs:
     * {@code /silent} never answers, {@code /broken} answers 500, {@code /risky} calls every address risky.
     */
    private static void site(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            int status = 200;
            String type = "text/html; charset=utf-8";
            String body;
            switch (path) {
                case "/signup" -> body = """
                        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign up</title>
                        <script src="%s/widget.js" defer></script></head><body>
                        <form action="/thanks"><input id="email" name="email" type="email" data-mailcheck
                        data-mailcheck-api="%s"><button>Sign up</button></form>
                        <script>document.forms[0].addEventListener("submit", () => window.pageSaw = true)</script>
                        </body></html>"""
                        .formatted(serve.base(), URLDecoder.decode(query.substring("api=".length()), StandardCharsets.UTF_8));
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
