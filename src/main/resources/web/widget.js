/* checker signup-form widget: checks <input type=email data-mailcheck> against GET {api}/v1/check.
   It blocks a submit only on an "undeliverable" verdict, warns on "risky", and lets everything else
   through: an unknown verdict, an error or an unreachable API must never cost a signup. */
(() => {
  "use strict";
  const me = document.currentScript;
  // By default the API is where this file came from (https://api.example/widget.js -> https://api.example).
  const defaultApi = (me && (me.dataset.api || me.src && new URL(".", me.src).href)) || "";

  const strings = {
    en: {
      dir: "ltr",
      suggest: "Did you mean {}?",
      use: "Use {}",
      undeliverable: "This address cannot receive email.",
      risky: "We may not be able to reach this address. Please check it.",
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
      use: "استخدم {}",
      undeliverable: "لا يمكن لهذا العنوان استقبال البريد الإلكتروني.",
      risky: "قد لا تصل رسائلنا إلى هذا العنوان. يُرجى التحقق منه.",
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

  let count = 0;

  function attach(input, options = {}) {
    if (input.mailcheck) return input.mailcheck;
    const o = Object.assign({delay: 400, timeout: 3000}, options);
    const api = (o.api || input.dataset.mailcheckApi || defaultApi).replace(/\/+$/, "");
    const tag = (o.lang || input.dataset.mailcheckLang || (input.closest("[lang]") || {}).lang || "").toLowerCase();
    const lang = strings[tag] ? tag : strings[tag.split("-")[0]] ? tag.split("-")[0] : "en";
    const t = strings[lang];

    const box = document.createElement("div");
    box.id = input.id ? input.id + "-mailcheck" : "mailcheck-" + ++count;
    box.className = "mailcheck";
    box.lang = lang;
    box.dir = t.dir;
    box.setAttribute("aria-live", "polite");
    input.after(box);
    input.setAttribute("aria-describedby",
        ((input.getAttribute("aria-describedby") || "") + " " + box.id).trim());

    // The last answer: for which value, and the result (null when the API gave none).
    let checked = null, result = null, pending = null, timer = 0, controller = null;

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
          });
      return pending;
    }

    function show() {
      const verdict = result && result.verdict;
      const blocking = verdict === "undeliverable";
      box.replaceChildren();
      box.className = "mailcheck" + (blocking ? " mailcheck-error" : verdict === "risky" ? " mailcheck-warning" : "");
      if (blocking) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
      if (blocking || verdict === "risky") {
        const p = document.createElement("span");
        p.textContent = t.reasons[result.reason] || t[verdict];
        box.append(p);
      }
      const s = result && result.suggestion;
      if (s && s.address) {
        const p = document.createElement("span");
        const [before, after] = t.suggest.split("{}");
        const fix = document.createElement("button");
        fix.type = "button";
        fix.className = "mailcheck-fix";
        fix.setAttribute("aria-label", t.use.replace("{}", s.address));
        // <bdi>: an address stays left-to-right inside Arabic text.
        fix.append(Object.assign(document.createElement("bdi"), {textContent: s.address}));
        fix.addEventListener("click", () => {
          input.value = s.address;
          input.dispatchEvent(new Event("input", {bubbles: true}));
          input.focus();
          check();
        });
        p.append(before, fix, after);
        box.append(" ", p);
      }
    }

    // While typing, only what looks like a whole address is worth a call ("ann@gmail.co" is, "ann@gmail.c" is not).
    input.addEventListener("input", () => {
      clearTimeout(timer);
      if (/^[^@]+@[^@]+\.[^@.]{2,}$/.test(input.value.trim())) timer = setTimeout(check, o.delay);
    });
    input.addEventListener("blur", check);

    // Capture, so that a blocked submit never reaches the page's own submit handlers.
    const form = input.form;
    if (form) form.addEventListener("submit", e => {
      if (input.value.trim() === checked && !pending) {
        if (result && result.verdict === "undeliverable") {
          e.preventDefault();
          e.stopImmediatePropagation();
          input.focus();
        }
        return;
      }
      // Not checked yet: hold the submit until the answer (at most the timeout), then submit again.
      e.preventDefault();
      e.stopImmediatePropagation();
      const submitter = e.submitter;
      check().then(() => form.requestSubmit(submitter && submitter.form === form ? submitter : undefined));
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
