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
import org.openqa.selenium.StaleElementReferenceException;
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
    /** React's UMD builds, fetched by scripts/setup --test. */
    private static final Path REACT = Path.of(".test-tools", "react");
    /** A site's style sheet written with no widget in mind: every button in a form, and a flex row. */
    private static final String HOSTILE_CSS = """
            form button { display: block; width: 100%; padding: 20px; background: rgb(255, 0, 0); color: white; }
            .input-group { display: flex; flex-wrap: wrap; }
            .input-group > * { flex: 1 1 auto; }""";
    /**
     * A React signup form: a controlled field (React restores its own state on every render), a form that
     * sends what React holds, a button that re-renders, one that replaces the field (a new key) and one that
     * opens a "modal" with a second field.
     */
    private static final String REACT_PAGE = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>React sign up</title>
            <script src="/react/react.production.min.js"></script>
            <script src="/react/react-dom.production.min.js"></script>
            <script src="%s/widget.js" defer></script></head><body><main id="app"></main>
            <script>
            const h = React.createElement;
            function App() {
              const [email, setEmail] = React.useState("");
              const [renders, setRenders] = React.useState(0);
              const [generation, setGeneration] = React.useState(0);
              const [modal, setModal] = React.useState(false);
              window.reactEmail = email;
              return h("div", null,
                h("form", {onSubmit: e => { e.preventDefault(); window.sent = email; }},
                  h("label", {htmlFor: "email"}, "Email"),
                  h("div", null, h("input", {id: "email", key: "email-" + generation, type: "email", value: email,
                    onChange: e => setEmail(e.target.value), "data-mailcheck": "", "data-mailcheck-api": "%s"})),
                  h("button", {type: "submit", id: "send"}, "Sign up")),
                h("button", {type: "button", id: "rerender", onClick: () => setRenders(renders + 1)}, "Render " + renders),
                h("button", {type: "button", id: "replace", onClick: () => setGeneration(generation + 1)}, "Replace"),
                h("button", {type: "button", id: "open", onClick: () => setModal(true)}, "Open"),
                modal && h("dialog", {open: true}, h("label", {htmlFor: "modal-email"}, "Email"),
                  h("input", {id: "modal-email", type: "email", "data-mailcheck": ""})));
            }
            ReactDOM.createRoot(document.getElementById("app")).render(h(App));
            </script></body></html>""";
    /** How the stand-in API at /slow was last asked: method, content type and body. */
    private static volatile String slowAsked;
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
        // One browser asks for far more checks than a person would: no per-client limit here (ServeCommandTest's).
        serve = ServeProcess.start("--cors-origin", siteUrl(""), "--client-rate", "0");
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
        assertEquals("This domain does not accept email.", said(message));
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

        WebElement fix = fix("email");
        assertEquals("jane@gmail.com", fix.getText());
        assertEquals("jane@gmail.com", fix.getAccessibleName());
        WebElement box = browser.findElement(By.cssSelector(".mailcheck"));
        assertEquals("Did you mean jane@gmail.com?", said(box));
        assertEquals("Did you mean jane@gmail.com?", status().getDomProperty("textContent"));
        assertNull(email.getDomAttribute("aria-invalid"));
        assertTrue(browser.findElements(By.cssSelector(".mailcheck-error")).isEmpty());

        // Leaving the field says what is wrong.
        browser.findElement(By.id("name")).click();
        assertEquals("This domain does not exist. Did you mean jane@gmail.com?",
                said(waitFor(By.cssSelector(".mailcheck-error"))));
        assertEquals("This domain does not exist. Did you mean jane@gmail.com?", status().getDomProperty("textContent"));
        screenshot("widget-demo");

        fix("email").click();
        assertEquals("jane@gmail.com", email.getDomProperty("value"));
        // gmail.com is not in the test zones: NSD refuses it, an unknown verdict, which never blocks.
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> email.getDomAttribute("aria-invalid") == null
                && d.findElements(By.cssSelector(".mailcheck-error")).isEmpty());
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        // The new page first: looked for while the form's page was going, an element could belong to neither
        // document ("Node with given id does not belong to the document", once in a full run).
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("signed-up"));
        waitFor(By.cssSelector("#signed-up"));
        assertTrue(browser.getCurrentUrl().contains("email=jane%40gmail.com"), browser.getCurrentUrl());
    }

    @Test
    void theArabicPageIsRightToLeftAndItsFixWorksFromTheKeyboard() throws IOException {
        browser.get(serve.resolve("/demo?lang=ar").toString());
        assertEquals("rtl", browser.findElement(By.tagName("html")).getDomAttribute("dir"));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@yaho.con");
        fix("email");
        assertEquals("هل تقصد jane@yahoo.com؟", status().getDomProperty("textContent"));

        browser.findElement(By.id("name")).click();
        WebElement message = waitFor(By.cssSelector(".mailcheck-error"));
        assertEquals("rtl", message.getCssValue("direction"));
        assertEquals("ar", message.getDomAttribute("lang"));
        assertEquals("هذا النطاق لا يقبل البريد الإلكتروني. هل تقصد jane@yahoo.com؟", said(message));
        assertEquals("هذا النطاق لا يقبل البريد الإلكتروني. هل تقصد jane@yahoo.com؟", status().getDomProperty("textContent"));
        screenshot("widget-demo-ar");

        // Tab leads from the field to the fix; Enter takes it.
        email.click();
        email.sendKeys(Keys.TAB);
        // The click may land while the message is drawn again: the fix found focused can be replaced at once.
        new WebDriverWait(browser, Duration.ofSeconds(10)).ignoring(StaleElementReferenceException.class)
                .until(d -> "jane@yahoo.com".equals(focused().getAccessibleName()));
        focused().sendKeys(Keys.ENTER);
        assertEquals("jane@yahoo.com", email.getDomProperty("value"));
        assertEquals(email, browser.switchTo().activeElement());
    }

    @Test
    void fromAnotherSiteTheApiAnswersThroughCors() {
        browser.get(siteUrl("/signup?api=" + serve.base()));
        browser.findElement(By.id("email")).sendKeys("jane@nullmx.checker.test", Keys.ENTER);
        assertEquals("This domain does not accept email.", said(waitFor(By.cssSelector(".mailcheck-error"))));
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
        assertEquals(said, said(message));
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
        assertTrue(said(waitFor(By.cssSelector(".mailcheck-warning"))).startsWith("This domain accepts any address"));
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
        assertEquals("", said(box));
        assertEquals("", status().getDomProperty("textContent"));
        assertNull(email.getDomAttribute("aria-invalid"));

        email.sendKeys(Keys.TAB);
        assertEquals("This domain does not accept email.", said(waitFor(By.cssSelector(".mailcheck-error"))));
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
        slowAsked = null;
        browser.get(siteUrl("/signup?stay&api=" + siteUrl("/slow")));
        browser.findElement(By.id("email")).sendKeys("jane@good.checker.test");
        WebElement button = browser.findElement(By.tagName("button"));
        for (int i = 0; i < 3; i++) {
            button.click();
        }
        assertEquals("true", button.getDomAttribute("aria-busy"));
        assertEquals("true", button.getDomAttribute("aria-disabled"));
        assertNull(script("return window.pageSaw"));
        // The wait shows in the widget's own message, whatever the page's CSS does with aria-busy.
        WebElement box = browser.findElement(By.id("email-mailcheck"));
        assertEquals("mailcheck mailcheck-checking", box.getDomAttribute("class"));
        assertEquals("Checking the address…", said(box));
        // The address in the body (CORS-simple text/plain), not in a URL that proxies log.
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> slowAsked != null);
        assertEquals("POST text/plain;charset=UTF-8 jane@good.checker.test", slowAsked);

        release.complete(null);
        lastResult(1);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> button.getDomAttribute("aria-busy") == null);
        assertNull(button.getDomAttribute("aria-disabled"));
        assertEquals("", said(box));
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
            assertEquals("", said(box));
        } else {
            assertEquals("mailcheck " + cssClass, box.getDomAttribute("class"));
            assertEquals(message, said(box));
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
        fix("email");
        browser.findElement(By.id("name")).click();
        waitFor(By.cssSelector(".mailcheck-error"));

        Object lines = script("""
                const box = arguments[0], range = document.createRange();
                range.selectNodeContents(box.shadowRoot.querySelector(".mailcheck-content"));
                return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;""",
                browser.findElement(By.id("email-mailcheck")));
        assertEquals(2L, lines, "the message is meant to wrap once at this width");
        assertEquals(before, ((Number) script("return arguments[0].getBoundingClientRect().top", submit)).doubleValue(),
                1, "the button moved");

        Object orphans = script("""
                const box = arguments[0], fix = box.shadowRoot.querySelector(".mailcheck-fix");
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
        fix("email");
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

    /**
     * A typo domain that may take mail (gmial.com: DNS says nothing sure here, the suggestion stands whatever it
     * says) submitted at once: the first submit is held with the suggestion showing; then the person takes it, or
     * submits again to keep what they typed.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # then                 | sent
            takes the suggestion   | jane%40gmail.com
            submits again          | jane%40gmial.com
            """)
    void theFirstSubmitIsHeldWhileASuggestionStands(String then, String sent) {
        browser.get(siteUrl("/signup?api=" + serve.base()));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@gmial.com", Keys.ENTER);
        WebElement fix = fix("email");
        assertEquals("Did you mean jane@gmail.com? Send the form again to keep what you typed.",
                said(browser.findElement(By.id("email-mailcheck"))));
        assertEquals("Sign up", browser.getTitle());
        assertNull(script("return window.pageSaw"));
        assertEquals(email, browser.switchTo().activeElement());
        if (then.startsWith("takes")) {
            fix.click();
            assertEquals("jane@gmail.com", email.getDomProperty("value"));
        }
        browser.findElement(By.tagName("button")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.titleIs("Thanks"));
        assertTrue(browser.getCurrentUrl().endsWith("email=" + sent), browser.getCurrentUrl());
    }

    /**
     * On a React page: the suggestion taken is what React holds (and keeps through its next render) and what the
     * form sends; a field React replaces is checked and the old one's message goes with it; a field added
     * later (a modal) is attached. React comes from scripts/setup's copy, not a CDN.
     */
    @Test
    void onAReactPageTheSuggestionTakenIsWhatIsSent() {
        browser.get(siteUrl("/react-signup"));
        WebElement email = new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElement(By.id("email")));
        email.sendKeys("jane@gmial.con");
        fix("email").click();
        assertEquals("jane@gmail.com", script("return window.reactEmail"));
        browser.findElement(By.id("rerender")).click();
        assertEquals("jane@gmail.com", browser.findElement(By.id("email")).getDomProperty("value"));
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> script("return document.getElementById('email')"
                + ".mailcheck.result") != null);
        browser.findElement(By.id("send")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> "jane@gmail.com".equals(script("return window.sent")));

        browser.findElement(By.id("replace")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector(".mailcheck")).size() == 1);
        WebElement replaced = browser.findElement(By.id("email"));
        assertFalse(replaced.equals(email), "React made a new field");
        replaced.sendKeys(Keys.chord(Keys.CONTROL, "a"), "jane@nullmx.checker.test", Keys.TAB);
        assertEquals("This domain does not accept email.", said(waitFor(By.cssSelector("#email-mailcheck.mailcheck-error"))));
        assertEquals(1, browser.findElements(By.cssSelector(".mailcheck")).size());

        browser.findElement(By.id("open")).click();
        WebElement modal = new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElement(By.id("modal-email")));
        modal.sendKeys("ann@yaho.con");
        assertEquals("ann@yahoo.com", fix("modal-email").getText());
    }

    /**
     * Strings a page adds after the widget attached its field are used, a sentence missing from them is said in
     * English; and a bug in the submit hold (here: strings that throw) lets the form go, the button freed.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            partial | MailCheck.strings.fr = {suggest: "Vouliez-vous dire {} ?"}
            broken  | MailCheck.strings.fr = {get checking() { throw new Error("broken") }, get reasons() { throw new Error("broken") }, suggest: "Vouliez-vous dire {} ?"}
            """)
    void stringsAddedByThePageAreUsedAndABugInTheHoldLetsTheFormGo(String strings, String js) {
        browser.get(siteUrl("/signup?lang=fr&api=" + serve.base() + "&js=" + URLEncoder.encode(js, StandardCharsets.UTF_8)));
        WebElement email = browser.findElement(By.id("email"));
        if (strings.equals("partial")) {
            email.sendKeys("jane@gmial.con");
            assertEquals("jane@gmail.com", fix("email").getText());
            assertEquals("Vouliez-vous dire jane@gmail.com ?", said(browser.findElement(By.id("email-mailcheck"))));
            browser.findElement(By.tagName("button")).sendKeys(Keys.SHIFT); // focus elsewhere without a click
            email.sendKeys(Keys.TAB);
            assertEquals("This domain does not exist. Vouliez-vous dire jane@gmail.com ?",
                    said(waitFor(By.cssSelector(".mailcheck-error"))));
        } else {
            email.sendKeys("jane@nullmx.checker.test", Keys.ENTER);
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.titleIs("Thanks"));
        }
    }

    /** A page whose origin the API does not allow: the form goes unchecked, and the console says why, once. */
    @Test
    void aCorsMismatchIsSaidInTheConsole() {
        String page = "http://localhost:" + site.getAddress().getPort();
        browser.get(page + "/signup?stay&api=" + serve.base());
        browser.findElement(By.id("email")).sendKeys("jane@nullmx.checker.test", Keys.ENTER);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> Long.valueOf(1).equals(script("return window.pageSaw")));
        browser.findElement(By.id("email")).sendKeys("x", Keys.ENTER);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> Long.valueOf(2).equals(script("return window.pageSaw")));
        List<?> warnings = new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
            List<?> w = (List<?>) script("return window.warnings");
            return w.isEmpty() ? null : w;
        });
        assertEquals(1, warnings.size(), warnings.toString());
        String warning = (String) warnings.get(0);
        assertTrue(warning.contains(page) && warning.contains(serve.base().toString()), warning);
    }

    /** A stale suggestion: one made for an earlier value is never offered for, nor put over, what is typed now. */
    @Test
    void aSuggestionBelongsToTheValueItWasMadeFor() {
        browser.get(siteUrl("/signup?api=" + serve.base()));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@gmial.com");
        fix("email");
        email.sendKeys(Keys.chord(Keys.CONTROL, "a"), "bob@compa");
        assertEquals("", said(browser.findElement(By.id("email-mailcheck"))));
        assertEquals("", status().getDomProperty("textContent"));
    }

    /** The page turns suggestions off, or allows a domain: no suggestion, and no submit held for one. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"data-mailcheck-suggest=off", "data-mailcheck-allow='gmial.com example.org'"})
    void thePageCanTurnSuggestionsOffOrAllowADomain(String attribute) {
        browser.get(siteUrl("/signup?api=" + serve.base() + "&attr=" + URLEncoder.encode(attribute, StandardCharsets.UTF_8)));
        browser.findElement(By.id("email")).sendKeys("jane@gmial.com", Keys.ENTER);
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.titleIs("Thanks"));
    }

    /** A slip that makes the input no address gets the API's own sentence about it, and the address meant. */
    @Test
    void aStructuralSlipIsExplainedPreciselyAndCorrected() {
        browser.get(siteUrl("/signup?api=" + serve.base()));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@gmail,com", Keys.TAB);
        Map<?, ?> result = (Map<?, ?>) lastResult(1).get("result");
        assertEquals("invalid_syntax", result.get("reason"));
        String detail = (String) result.get("detail");
        assertFalse(detail.equals("This is not a valid email address."), detail);
        assertEquals(detail + " Did you mean jane@gmail.com?", said(waitFor(By.cssSelector(".mailcheck-error"))));
        fix("email").click();
        assertEquals("jane@gmail.com", email.getDomProperty("value"));
    }

    /** Tab onto the suggestion leaves the field: what is wrong shows, and the focus stays on the suggestion. */
    @Test
    void tabOntoTheSuggestionShowsTheErrors() {
        browser.get(siteUrl("/signup?api=" + serve.base()));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@gmial.con");
        fix("email");
        email.sendKeys(Keys.TAB);
        WebElement box = waitFor(By.cssSelector(".mailcheck-error"));
        assertEquals("This domain does not exist. Did you mean jane@gmail.com?", said(box));
        assertEquals("jane@gmail.com", focused().getAccessibleName());
        assertEquals("true", email.getDomAttribute("aria-invalid"));
    }

    /**
     * On a page whose CSS styles every form button and lays the field out in a flex row, and whose script
     * counts the form's buttons: the message stays below the field, the suggestion keeps its own look, and
     * the page's selectors don't find it.
     */
    @Test
    void thePagesStylesAndSelectorsDoNotReachTheWidget() throws IOException {
        browser.get(siteUrl("/signup?hostile&api=" + serve.base()));
        WebElement email = browser.findElement(By.id("email"));
        email.sendKeys("jane@gmial.con");
        WebElement fix = fix("email");
        assertFalse("rgb(255, 0, 0)".equals(fix.getCssValue("background-color")), fix.getCssValue("background-color"));
        WebElement box = browser.findElement(By.id("email-mailcheck"));
        assertTrue(box.getRect().getY() >= email.getRect().getY() + email.getRect().getHeight(), "the message is below the field");
        assertEquals(1L, script("return document.querySelectorAll('form button').length"));
        assertEquals(1L, script("return document.forms[0].elements.length - 1"), "the field and the submit button only");
        screenshot("widget-hostile-page");
    }

    /** Inside a shadow root (a web component's form), lang and dir come from the nearest ancestor, host and up. */
    @Test
    void langAndDirComeFromTheNearestAncestorAcrossShadowRoots() {
        browser.get(siteUrl("/signup?api=" + serve.base()));
        script("""
                const host = Object.assign(document.createElement("div"), {id: "component"});
                const wrapper = Object.assign(document.createElement("section"), {lang: "ar", dir: "rtl"});
                wrapper.append(host);
                document.body.append(wrapper);
                const input = Object.assign(document.createElement("input"), {id: "inner", type: "email"});
                host.attachShadow({mode: "open"}).append(input);
                window.inner = MailCheck.attach(input, {api: arguments[0]});
                input.value = "jane@nullmx.checker.test";
                input.dispatchEvent(new Event("blur"));""", serve.base().toString());
        WebElement box = new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> (WebElement) script(
                "const b = document.getElementById('component').shadowRoot.getElementById('inner-mailcheck');"
                        + " return b && b.classList.contains('mailcheck-error') ? b : null"));
        assertEquals("ar", box.getDomAttribute("lang"));
        assertEquals("rtl", box.getDomAttribute("dir"));
        assertEquals("هذا النطاق لا يقبل البريد الإلكتروني.", said(box));
    }

    private static WebElement waitFor(By what) {
        return new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(what));
    }

    private static Object script(String js, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(js, args);
    }

    /** What the widget's message says: its text, in the message's shadow root. */
    private static String said(WebElement box) {
        return (String) script("const c = arguments[0].shadowRoot.querySelector('.mailcheck-content');"
                + " return c ? c.textContent : ''", box);
    }

    /** The suggestion's button (in the shadow root of the field's message), once it shows. */
    private static WebElement fix(String field) {
        return new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> {
            Object fix = script("const box = document.getElementById(arguments[0] + '-mailcheck');"
                    + " return box && box.shadowRoot.querySelector('.mailcheck-fix')", field);
            return fix instanceof WebElement e && e.isDisplayed() ? e : null;
        });
    }

    /** The element with the focus, inside shadow roots too. */
    private static WebElement focused() {
        return (WebElement) script("""
                let e = document.activeElement;
                while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
                return e;""");
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
            if (path.startsWith("/react/")) {
                // React's UMD builds, from scripts/setup --test's folder: never a CDN.
                Path file = REACT.resolve(path.substring("/react/".length()).replace("/", ""));
                byte[] js = Files.readAllBytes(file);
                exchange.getResponseHeaders().set("content-type", "text/javascript");
                exchange.sendResponseHeaders(200, js.length);
                exchange.getResponseBody().write(js);
                return;
            }
            switch (path) {
                case "/signup" -> body = """
                        <!doctype html><html lang="%s"><head><meta charset="utf-8"><title>Sign up</title>
                        <script>
                        window.warnings = [];
                        const warn = console.warn;
                        console.warn = (...args) => { warnings.push(args.join(" ")); warn.apply(console, args); };
                        </script>
                        <style>%s</style>
                        <script src="%s/widget.js" defer></script></head><body>
                        <form action="/thanks"><div class="input-group"><input id="email" name="email" type="email"
                        data-mailcheck data-mailcheck-api="%s" %s></div><button>Sign up</button></form>
                        <script>
                        document.forms[0].addEventListener("submit", e => {
                          window.pageSaw = (window.pageSaw || 0) + 1;
                          if (%s) e.preventDefault();
                        });
                        document.addEventListener("mailcheck:result", e => (window.results ||= []).push(e.detail));
                        // Page code that runs after the widget attached the field.
                        document.addEventListener("DOMContentLoaded", () => { %s });
                        </script></body></html>"""
                        .formatted(query.getOrDefault("lang", "en"), query.containsKey("hostile") ? HOSTILE_CSS : "",
                                serve.base(), query.get("api"), query.getOrDefault("attr", ""),
                                query.containsKey("stay"), query.getOrDefault("js", ""));
                case "/react-signup" -> body = REACT_PAGE.formatted(serve.base(), serve.base());
                case "/slow/v1/check" -> {
                    slowAsked = exchange.getRequestMethod() + " " + exchange.getRequestHeaders().getFirst("content-type")
                            + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                            + (exchange.getRequestURI().getRawQuery() == null ? "" : " ?" + exchange.getRequestURI().getRawQuery());
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
