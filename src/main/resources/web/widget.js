/* checker signup-form widget: checks <input type=email data-mailcheck> against GET {api}/v1/check.
   It blocks a submit only on an "undeliverable" verdict (or a disposable address, when asked to), warns on
   "risky", and lets everything else through: an unknown verdict, an error or an unreachable API must never
   cost a signup. While the person types it only suggests; what is wrong is said on blur or submit. */
(() => {
  "use strict";
  const me = document.currentScript;
  // By default the API is where this file came from (https://api.example/widget.js -> https://api.example).
  const defaultApi = (me && (me.dataset.api || me.src && new URL(".", me.src).href)) || "";

  const strings = {
    en: {
      dir: "ltr",
      suggest: "Did you mean {}?",
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
  let count = 0;

  function attach(input, options = {}) {
    if (input.mailcheck) return input.mailcheck;
    const o = Object.assign({delay: 400, timeout: 3000}, options);
    const api = (o.api || input.dataset.mailcheckApi || defaultApi).replace(/\/+$/, "");
    const tag = (o.lang || input.dataset.mailcheckLang || (input.closest("[lang]") || {}).lang || "").toLowerCase();
    const lang = strings[tag] ? tag : strings[tag.split("-")[0]] ? tag.split("-")[0] : "en";
    const t = strings[lang];
    const signals = {};
    for (const [name, levels] of Object.entries(signalLevels)) {
      // Options disposable, role, freeProvider; data-mailcheck-disposable, -role, -free-provider.
      const key = name.replace(/_(.)/g, (_, c) => c.toUpperCase());
      const asked = o[key] || input.dataset["mailcheck" + key[0].toUpperCase() + key.slice(1)];
      signals[name] = levels.includes(asked) ? asked : levels[0];
    }

    const box = document.createElement("div");
    box.id = input.id ? input.id + "-mailcheck" : "mailcheck-" + ++count;
    box.className = "mailcheck";
    box.lang = lang;
    box.dir = t.dir;
    const status = Object.assign(document.createElement("span"), {id: box.id + "-status", lang, dir: t.dir});
    status.setAttribute("role", "status");
    status.style.cssText = offScreen;
    input.after(box, status);
    input.setAttribute("aria-describedby",
        ((input.getAttribute("aria-describedby") || "") + " " + box.id).trim());

    // The last answer: for which value, and the result (null when the API gave none). What is wrong is
    // shown only once revealed (blur or submit): while typing, only a suggestion.
    let checked = null, result = null, pending = null, timer = 0, controller = null, revealed = false, holding = false;

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
      pending = fetch(api + "/v1/check?address=" + encodeURIComponent(value), {signal: c.signal, credentials: "omit"})
          .then(r => r.ok ? r.json() : null)
          .catch(() => null)
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

    /** What the result means for this form: an error (blocks the submit), a warning, or nothing. */
    function assess() {
      const r = result || {};
      if (r.verdict === "undeliverable") return {level: "error", text: t.reasons[r.reason] || t.undeliverable};
      if (r.disposable && signals.disposable === "block") return {level: "error", text: t.disposable};
      if (r.verdict === "risky") return {level: "warning", text: t.reasons[r.reason] || t.risky};
      const warn = Object.keys(signalLevels).find(name => r[name] && signals[name] === "warn");
      return warn ? {level: "warning", text: t[warn]} : {level: null, text: null};
    }

    function show() {
      const {level, text} = revealed ? assess() : {level: null, text: null};
      box.replaceChildren();
      box.className = "mailcheck" + (level ? " mailcheck-" + level : "");
      if (level === "error") input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      const sentences = [];
      if (text) {
        box.append(Object.assign(document.createElement("span"), {textContent: text}));
        sentences.push(text);
      }
      const s = result && result.suggestion;
      if (s && s.address) {
        const [before, after] = t.suggest.split("{}");
        // The address is the button's whole name, so the field's description reads "Did you mean ann@...?".
        const fix = Object.assign(document.createElement("button"), {type: "button", className: "mailcheck-fix"});
        // <bdi>: an address stays left-to-right inside Arabic text.
        fix.append(Object.assign(document.createElement("bdi"), {textContent: s.address}));
        fix.addEventListener("click", () => {
          input.value = s.address;
          input.dispatchEvent(new Event("input", {bubbles: true}));
          input.focus();
          check();
        });
        // The address and the "?" after it wrap as one.
        const tail = document.createElement("span");
        tail.style.whiteSpace = "nowrap";
        tail.append(fix, after);
        const p = document.createElement("span");
        p.append(before, tail);
        box.append(text ? " " : "", p);
        sentences.push(t.suggest.replace("{}", s.address));
      }
      const said = sentences.join(" ");
      if (status.textContent !== said) status.textContent = said;
    }

    function busy(button, on) {
      if (!button) return;
      for (const a of ["aria-busy", "aria-disabled"]) on ? button.setAttribute(a, "true") : button.removeAttribute(a);
    }

    // While typing, only what looks like a whole address is worth a call ("ann@gmail.co" is, "ann@gmail.c" is not).
    input.addEventListener("input", () => {
      clearTimeout(timer);
      revealed = false;
      show();
      if (/^[^@]+@[^@]+\.[^@.]{2,}$/.test(input.value.trim())) timer = setTimeout(check, o.delay);
    });
    input.addEventListener("blur", e => {
      // Focus moving to the suggestion is no leaving the field: the message must not shift the button.
      if (box.contains(e.relatedTarget)) return;
      revealed = true;
      check().then(show);
    });

    // Capture, so that a blocked or held submit never reaches the page's own submit handlers.
    const form = input.form;
    if (form) form.addEventListener("submit", e => {
      if (holding) {
        e.preventDefault();
        e.stopImmediatePropagation();
        return;
      }
      revealed = true;
      if (input.value.trim() === checked && !pending) {
        show();
        if (assess().level === "error") {
          e.preventDefault();
          e.stopImmediatePropagation();
          input.focus();
        }
        return;
      }
      // Not checked yet: hold the submit until the answer (at most the timeout), then submit again, once.
      e.preventDefault();
      e.stopImmediatePropagation();
      const submitter = e.submitter && e.submitter.form === form ? e.submitter : undefined;
      holding = true;
      busy(submitter, true);
      check().then(() => {
        holding = false;
        busy(submitter, false);
        form.requestSubmit(submitter);
      });
    }, true);

    return input.mailcheck = {check, get result() { return result; }};
  }

  function attachAll() {
    document.querySelectorAll("input[data-mailcheck]").forEach(i => attach(i));
  }

  window.MailCheck = {attach, strings};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", attachAll);
  else attachAll();
})();
