/* checker signup-form widget: checks <input type=email data-mailcheck> against POST {api}/v1/check.
   It blocks a submit on an "undeliverable" verdict (or a disposable address, when asked to), holds the first
   submit while a suggestion stands, warns on "risky", and lets everything else through: an unknown verdict,
   an error, an unreachable API or a bug of its own must never cost a signup. While the person types it only
   suggests; what is wrong is said on blur or submit. */
(() => {
  "use strict";
  const me = document.currentScript;
  // By default the API is where this file came from (https://api.example/widget.js -> https://api.example).
  const defaultApi = (me && (me.dataset.api || me.src && new URL(".", me.src).href)) || "";

  const strings = {
    en: {
      dir: "ltr",
      suggest: "Did you mean {}?",
      keep: "Send the form again to keep what you typed.",
      checking: "Checking the address…",
      undeliverable: "This address cannot receive email.",
      risky: "We may not be able to reach this address. Please check it.",
      disposable: "This is a throw-away address: please use one you will keep.",
      role: "This address is for a role or a team, not a person: a personal one is better.",
      free_provider: "Please use your work address.",
      reasons: {
        invalid_syntax: "This is not a valid email address.",
        null_mx: "This domain does not accept email.",
        no_such_domain: "This domain does not exist.",
        no_mail_host: "This domain has no mail server.",
        mx_unresolvable: "This domain's mail server cannot be found.",
        mx_private_address: "This domain's mail server cannot be reached from the Internet.",
        mailbox_rejected: "This mailbox does not exist.",
        smtputf8_unsupported: "This domain's mail server cannot take an address with these characters.",
        domain_refuses_mail: "This domain does not accept email.",
        accept_all: "This domain accepts any address, so this mailbox cannot be confirmed. Please check it.",
        mailbox_full: "This mailbox is full: email to it may bounce."
      }
    },
    ar: {
      dir: "rtl",
      suggest: "هل تقصد {}؟",
      keep: "أرسل النموذج مرة أخرى للإبقاء على ما كتبته.",
      checking: "جارٍ التحقق من العنوان…",
      undeliverable: "لا يمكن لهذا العنوان استقبال البريد الإلكتروني.",
      risky: "قد لا تصل رسائلنا إلى هذا العنوان. يُرجى التحقق منه.",
      disposable: "هذا عنوان مؤقت يُترك بعد الاستعمال: يُرجى استخدام عنوان دائم.",
      role: "هذا العنوان لدور أو فريق لا لشخص: والأفضل عنوان شخصي.",
      free_provider: "يُرجى استخدام عنوان بريد العمل.",
      reasons: {
        invalid_syntax: "هذا ليس عنوان بريد إلكتروني صالحًا.",
        null_mx: "هذا النطاق لا يقبل البريد الإلكتروني.",
        no_such_domain: "هذا النطاق غير موجود.",
        no_mail_host: "لا يوجد خادم بريد لهذا النطاق.",
        mx_unresolvable: "تعذّر العثور على خادم البريد لهذا النطاق.",
        mx_private_address: "لا يمكن الوصول إلى خادم البريد لهذا النطاق من الإنترنت.",
        mailbox_rejected: "صندوق البريد هذا غير موجود.",
        smtputf8_unsupported: "خادم البريد لهذا النطاق لا يقبل عنوانًا بهذه الأحرف.",
        domain_refuses_mail: "هذا النطاق لا يقبل البريد الإلكتروني.",
        accept_all: "هذا النطاق يقبل أي عنوان، فلا يمكن التأكد من صندوق البريد هذا. يُرجى التحقق منه.",
        mailbox_full: "صندوق البريد هذا ممتلئ، وقد تُرفض الرسائل إليه."
      }
    }
  };

  // What each signal may do, by option: the first is the default.
  const signalLevels = {disposable: ["ignore", "warn", "block"], role: ["ignore", "warn"], free_provider: ["ignore", "warn"]};
  // Kept off screen but read: the one sentence a screen reader hears when the message changes.
  const offScreen = "position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap";
  // Inside the message's shadow root the page's CSS does not reach ("form button {...}"), nor its scripts'
  // selectors; pages style it through ::part(message) and ::part(fix).
  const shadowStyle = `:host { display: block; flex: 0 0 100%; width: 100%; }
    button { all: unset; cursor: pointer; text-decoration: underline; color: LinkText; }
    button:focus-visible { outline: 2px solid; outline-offset: 2px; }`;
  const nativeValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  const attached = new Set();
  const warnedApis = new Set();
  let count = 0;

  /** The nearest element from el up that has the attribute, through shadow roots to their hosts. */
  function nearest(el, attribute) {
    for (let node = el; node; ) {
      const found = node.closest && node.closest("[" + attribute + "]");
      if (found) return found;
      const root = node.getRootNode();
      node = root instanceof ShadowRoot ? root.host : null;
    }
    return null;
  }

  /**
   * A CORS refusal looks like a network error to the page. A no-cors request, which needs no permission, tells
   * them apart: it goes through when the server is there. Said once per API, in the console.
   */
  function diagnose(api) {
    let origin;
    try { origin = new URL(api, location.href).origin; } catch (e) { return; }
    if (origin === location.origin || warnedApis.has(api)) return;
    warnedApis.add(api);
    fetch(api + "/v1/check", {mode: "no-cors", credentials: "omit"}).then(() => console.warn(
        "checker widget: the API at " + api + " does not allow calls from " + location.origin
        + " (CORS): add this origin to its CORS origins (serve --cors-origin, CorsOrigins in the stack)."
        + " Until then no address is checked and every form is sent."), () => {});
  }

  function attach(input, options = {}) {
    if (input.mailcheck) return input.mailcheck;
    const o = Object.assign({delay: 400, timeout: 3000}, options);
    const api = (o.api || input.dataset.mailcheckApi || defaultApi).replace(/\/+$/, "");
    const pageLang = nearest(input, "lang");
    const tag = (o.lang || input.dataset.mailcheckLang || (pageLang || {}).lang || "").toLowerCase();
    // From the field's container: an email field is often dir="ltr" itself on a right-to-left page.
    const container = input.parentElement || input.getRootNode().host;
    const pageDir = !o.lang && !input.dataset.mailcheckLang && container && nearest(container, "dir");
    const suggestOff = (o.suggest || input.dataset.mailcheckSuggest) === "off";
    const allowed = new Set((o.allow || (input.dataset.mailcheckAllow || "").split(/[\s,]+/))
        .map(d => String(d).trim().toLowerCase()).filter(Boolean));
    const signals = {};
    for (const [name, levels] of Object.entries(signalLevels)) {
      // Options disposable, role, freeProvider; data-mailcheck-disposable, -role, -free-provider.
      const key = name.replace(/_(.)/g, (_, c) => c.toUpperCase());
      const asked = o[key] || input.dataset["mailcheck" + key[0].toUpperCase() + key.slice(1)];
      signals[name] = levels.includes(asked) ? asked : levels[0];
    }

    // The language is looked up when a message is shown, not now: a page may add its strings after this
    // script ran. A sentence missing from them is said in English rather than not at all.
    function language() {
      return strings[tag] ? tag : strings[tag.split("-")[0]] ? tag.split("-")[0] : "en";
    }
    function say(key, reason) {
      const own = strings[language()] || {};
      const text = reason ? (own.reasons || {})[reason] || strings.en.reasons[reason] : own[key] || strings.en[key];
      return typeof text === "string" ? text : null;
    }
    function direction() {
      return pageDir && language() === tag.split("-")[0] && pageDir.dir || say("dir") || "ltr";
    }

    const box = document.createElement("div");
    box.id = input.id ? input.id + "-mailcheck" : "mailcheck-" + ++count;
    box.className = "mailcheck";
    const shadow = box.attachShadow({mode: "open"});
    const status = Object.assign(document.createElement("span"), {id: box.id + "-status"});
    status.setAttribute("role", "status");
    status.style.cssText = offScreen;
    input.after(box, status);
    input.setAttribute("aria-describedby",
        ((input.getAttribute("aria-describedby") || "") + " " + box.id).trim());

    // The last answer: for which value, and the result (null when the API gave none). What is wrong is
    // shown only once revealed (blur or submit): while typing, only a suggestion. "kept": the value the person
    // chose to keep over a suggestion, by submitting again.
    let checked = null, result = null, pending = null, timer = 0, controller = null, revealed = false,
        holding = false, waiting = false, kept = null, pointing = false;

    function check() {
      const value = input.value.trim();
      clearTimeout(timer);
      if (value === checked) return pending || Promise.resolve();
      if (controller) controller.abort();
      controller = pending = null;
      checked = value;
      result = null;
      show();
      if (!value) return Promise.resolve();
      const c = controller = new AbortController();
      const deadline = setTimeout(() => c.abort(), o.timeout);
      // In the body, not the URL, where every proxy's access log would keep it; text/plain needs no preflight.
      pending = fetch(api + "/v1/check", {method: "POST", body: value, signal: c.signal, credentials: "omit"})
          .then(r => r.ok ? r.json() : null)
          .catch(e => {
            if (e.name !== "AbortError") diagnose(api);
            return null;
          })
          .then(r => {
            clearTimeout(deadline);
            if (c !== controller) return;
            pending = controller = null;
            result = r;
            show();
            const {level, text} = assess();
            input.dispatchEvent(new CustomEvent("mailcheck:result", {bubbles: true,
                detail: {address: value, result: r, blocking: level === "error", message: text}}));
          });
      return pending;
    }

    /** The answer for what the field holds now: an answer for an earlier value says nothing about it. */
    function current() {
      return checked === input.value.trim() ? result : null;
    }

    /** The suggestion standing for the field's value, unless the page turned suggestions off or allows the domain. */
    function suggestion() {
      const s = (current() || {}).suggestion;
      if (!s || !s.address || suggestOff) return null;
      const typed = input.value.trim();
      return allowed.has(typed.slice(typed.lastIndexOf("@") + 1).toLowerCase()) ? null : s;
    }

    /** What the result means for this form: an error (blocks the submit), a warning, or nothing. */
    function assess() {
      const r = current() || {};
      // The API's own sentence on a malformed address is more precise than ours, where ours is English too.
      const own = (reason, fallback) => reason === "invalid_syntax" && r.detail && language() === "en"
          ? r.detail : say(null, reason) || say(fallback);
      if (r.verdict === "undeliverable") return {level: "error", text: own(r.reason, "undeliverable")};
      if (r.disposable && signals.disposable === "block") return {level: "error", text: say("disposable")};
      if (r.verdict === "risky") return {level: "warning", text: say(null, r.reason) || say("risky")};
      const warn = Object.keys(signalLevels).find(name => r[name] && signals[name] === "warn");
      return warn ? {level: "warning", text: say(warn)} : {level: null, text: null};
    }

    function show() {
      const lang = language(), dir = direction();
      const {level, text} = revealed ? assess() : {level: null, text: null};
      const s = suggestion();
      const hadFocus = !!shadow.activeElement;
      box.lang = lang;
      box.dir = dir;
      box.className = "mailcheck" + (level ? " mailcheck-" + level : waiting ? " mailcheck-checking" : "");
      Object.assign(status, {lang, dir});
      if (level === "error") input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      const style = document.createElement("style");
      style.textContent = shadowStyle;
      const content = Object.assign(document.createElement("span"), {className: "mailcheck-content"});
      content.setAttribute("part", "message");
      shadow.replaceChildren(style, content);
      const sentences = [];
      const said = text || (waiting ? say("checking") : null);
      if (said) {
        content.append(said);
        sentences.push(said);
      }
      let fix = null;
      if (s) {
        const [before, after] = (say("suggest") || strings.en.suggest).split("{}");
        // The address is the button's whole name, so the field's description reads "Did you mean ann@...?".
        fix = Object.assign(document.createElement("button"), {type: "button", className: "mailcheck-fix"});
        fix.setAttribute("part", "fix");
        // <bdi>: an address stays left-to-right inside Arabic text.
        fix.append(Object.assign(document.createElement("bdi"), {textContent: s.address}));
        const madeFor = checked;
        fix.addEventListener("pointerdown", () => pointing = true);
        fix.addEventListener("click", () => {
          pointing = false;
          // Only for the value it was made for: the person may have typed something else since.
          if (input.value.trim() !== madeFor) return show();
          setValue(s.address);
          input.focus();
          check();
        });
        // The address and the "?" after it wrap as one.
        const tail = document.createElement("span");
        tail.style.whiteSpace = "nowrap";
        tail.append(fix, after || "");
        const p = document.createElement("span");
        p.append(before || "", tail);
        content.append(said ? " " : "", p);
        sentences.push((say("suggest") || strings.en.suggest).replace("{}", s.address));
        if (kept === false) {
          content.append(" " + say("keep"));
          sentences.push(say("keep"));
        }
      }
      // Shown again under the keyboard's focus (Tab onto the suggestion): it stays there.
      if (hadFocus && fix) fix.focus();
      const sentence = sentences.join(" ");
      if (status.textContent !== sentence) status.textContent = sentence;
    }

    /** As frameworks see a person type (React keeps its own copy of the value, and its own value setter). */
    function setValue(value) {
      nativeValue.call(input, value);
      input.dispatchEvent(new Event("input", {bubbles: true}));
      input.dispatchEvent(new Event("change", {bubbles: true}));
    }

    function busy(button, on) {
      if (!button) return;
      for (const a of ["aria-busy", "aria-disabled"]) on ? button.setAttribute(a, "true") : button.removeAttribute(a);
    }

    // While typing, only what looks like a whole address is worth a call ("ann@gmail.co" is, "ann@gmail.c" is not).
    input.addEventListener("input", () => {
      clearTimeout(timer);
      revealed = false;
      if (kept !== null && kept !== input.value.trim()) kept = null;
      show();
      if (/^[^@]+@[^@]+\.[^@.]{2,}$/.test(input.value.trim())) timer = setTimeout(check, o.delay);
    });
    input.addEventListener("blur", e => {
      // A click on the suggestion is no leaving the field: the message must not shift the button under the
      // pointer. Tab onto it is: the errors show, and the focus stays on the suggestion.
      if (e.relatedTarget === box && pointing) return;
      revealed = true;
      // Once the focus has landed (on the suggestion, maybe), which is after this event's microtasks.
      check().then(() => setTimeout(show));
    });
    box.addEventListener("focusout", () => pointing = false);

    /**
     * What a submit comes to: nothing to do (null), or what to do once it is stopped. "kept" is false while
     * a suggestion was offered on a submit and not yet taken or declined.
     */
    function decide(e) {
      if (holding) return () => {};
      revealed = true;
      const value = input.value.trim();
      if (value !== checked || pending) return () => hold(e.submitter && e.submitter.form === form ? e.submitter : undefined);
      if (assess().level === "error") return () => { show(); input.focus(); };
      if (suggestion() && kept !== value) {
        if (kept === false) {
          kept = value; // submitted again: the person keeps what they typed
          return null;
        }
        return () => { kept = false; show(); input.focus(); };
      }
      show();
      return null;
    }

    // Not checked yet: hold the submit until the answer (at most the timeout), then submit again, once; the
    // wait shows in the message. However it ends, even by a bug here, the button is freed and the form can go.
    function hold(submitter) {
      holding = waiting = true;
      busy(submitter, true);
      show(); // first: should it throw, nothing is under way yet
      let over = false;
      const release = send => {
        if (over) return;
        over = true;
        clearTimeout(guard);
        holding = waiting = false;
        try { busy(submitter, false); show(); } catch (err) { send = true; }
        if (send) {
          if (!form.isConnected) return;
          form.requestSubmit(submitter);
        }
      };
      const guard = setTimeout(() => release(true), o.timeout + 1000);
      check().then(() => release(true), () => release(true));
    }

    // Capture, so that a blocked or held submit never reaches the page's own submit handlers. What it does
    // runs before the submit is stopped: should it throw, the submit simply goes on (a submit can't be sent
    // again from inside its own event).
    const form = input.form;
    if (form) form.addEventListener("submit", e => {
      let then;
      try {
        then = decide(e);
        if (then) then();
      } catch (err) {
        holding = waiting = false;
        console.warn("checker widget: the form is sent unchecked after an error of the widget's own:", err);
        return;
      }
      if (then) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
    }, true);

    const handle = {check, get result() { return result; }, detach() {
      box.remove();
      status.remove();
      attached.delete(input);
    }};
    attached.add(input);
    return input.mailcheck = handle;
  }

  function attachAll(root) {
    if (root.matches && root.matches("input[data-mailcheck]")) attach(root);
    if (root.querySelectorAll) root.querySelectorAll("input[data-mailcheck]").forEach(i => attach(i));
  }

  // Single-page apps add fields later (a signup modal) and replace them (React re-creating an input): new ones
  // are attached, and a field gone from the page takes its message with it.
  function watch() {
    attachAll(document);
    new MutationObserver(records => {
      for (const record of records) record.addedNodes.forEach(attachAll);
      for (const input of [...attached]) if (!input.isConnected) input.mailcheck.detach();
    }).observe(document.documentElement, {childList: true, subtree: true});
  }

  window.MailCheck = {attach, strings};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
