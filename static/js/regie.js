// Regie's behaviour, all from data attributes (no inline scripts or handlers: CSP). Every page works without
// it; this file adds: htmx's handling of 422, focus after a swap, the time-out warning, keeping what was typed
// across a login, conditional fields, the weekly grid's "Verzuim" toggle, copy buttons and inbox keys.
document.documentElement.classList.add("js");

if (window.htmx) { configure(); } else { document.addEventListener("DOMContentLoaded", configure); }
function configure() {
  // htmx 2.0.11: swap 422 (a form with its errors) like a success; show other errors instead of failing silently.
  htmx.config.responseHandling = [
    {code: "204", swap: false},
    {code: "[23]..", swap: true},
    {code: "422", swap: true},
    {code: "[45]..", swap: false, error: true},
  ];
  document.body.addEventListener("htmx:responseError", (event) => {
    const box = document.getElementById("htmx-fout");
    const status = event.detail.xhr.status;
    box.textContent = status === 403
      ? "Uw formulier is verlopen. Herlaad de pagina en probeer het opnieuw. Er is niets opgeslagen."
      : "Er ging iets mis (" + status + "). Er is niets opgeslagen. Probeer het opnieuw.";
    box.hidden = false;
    box.focus();
  });
  // After a save, focus goes to the first field in error, else to the message in the swapped part.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document.getElementById(event.detail.target.id);
    if (!target || event.detail.requestConfig.verb === "get") return;
    focusResult(target);
    applyConditions(target);
  });
  document.body.addEventListener("htmx:afterRequest", () => resetSessionTimer());
}

function focusResult(root) {
  const field = root.querySelector("[aria-invalid=true]");
  const notice = root.querySelector(".notice.error, .notice.warn, .notice.ok, .notice");
  const el = field || notice;
  if (!el) return;
  if (!field && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
  el.focus();
}

// A full page that came back with errors (no htmx): focus the first field in error too.
document.addEventListener("DOMContentLoaded", () => {
  const main = document.getElementById("inhoud");
  if (main && main.querySelector("[aria-invalid=true], .notice.warn[data-focus]")) focusResult(main);
  applyConditions(document);
  restoreTyped();
  startSessionTimer();
});

// --- Conditional fields: data-toon-bij="name=value[,value]" shows a block only for that choice -----------
function applyConditions(root) {
  root.querySelectorAll("[data-toon-bij]").forEach((block) => {
    const [name, values] = block.dataset.toonBij.split("=");
    const form = block.closest("form");
    if (!form) return;
    const wanted = values.split(",");
    const checked = form.querySelector(`[name="${name}"]:checked`) || form.querySelector(`select[name="${name}"]`);
    const show = checked ? wanted.includes(checked.value) : false;
    block.hidden = !show;
    block.querySelectorAll("input, select, textarea").forEach((el) => { el.disabled = !show; });
  });
}
document.addEventListener("change", (event) => {
  if (event.target.form && event.target.form.querySelector("[data-toon-bij]")) applyConditions(event.target.form);
});

// --- The weekly grid on a phone: "Verzuim" opens the absence fields of one row ---------------------------
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-verzuim-knop]");
  if (!toggle) return;
  const row = toggle.closest("tr");
  const open = row.classList.toggle("open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  if (open) row.querySelector("td.absence input").focus();
});

// --- Copy buttons on the DUO view --------------------------------------------------------------------------
document.addEventListener("click", (event) => {
  const button = event.target.closest(".copy-button");
  if (!button) return;
  const text = document.getElementById(button.dataset.copy).textContent;
  navigator.clipboard.writeText(text).then(() => { button.textContent = "Gekopieerd"; });
});

// --- Inbox keyboard: j/k move between rows, x selects, Enter opens -----------------------------------------
document.addEventListener("keydown", (event) => {
  if (event.target.matches("input, select, textarea") && !event.target.matches("input[type=checkbox]")) return;
  const rows = [...document.querySelectorAll("table.inbox tbody tr[data-href]")];
  if (!rows.length) return;
  let i = rows.indexOf(document.activeElement.closest("tr"));
  if (event.key === "j" || event.key === "k") {
    i = Math.max(0, Math.min(rows.length - 1, i + (event.key === "j" ? 1 : -1)));
    rows[i].querySelector("input[type=checkbox]").focus();
    event.preventDefault();
  } else if (event.key === "x" && i >= 0) {
    const box = rows[i].querySelector("input[type=checkbox]"); box.checked = !box.checked; event.preventDefault();
  } else if (event.key === "Enter" && i >= 0) {
    window.location = rows[i].dataset.href; event.preventDefault();
  }
});

// --- Keeping what was typed across a login ------------------------------------------------------------------
// On every form post the typed values are kept in this tab's sessionStorage. If the next page is the login
// page (the session had ended), they are marked for restoring; back on the form's page after logging in, they
// are put back and the user is told. Any other next page means the post went through: they are dropped.
const KEEP = "regie:getypt";
const SKIP_FIELDS = new Set(["_csrf_token", "password", "password_repeat", "next"]);

function keepTyped(form, restore) {
  const fields = [];
  for (const el of form.elements) {
    if (!el.name || SKIP_FIELDS.has(el.name) || el.type === "file" || el.type === "hidden" || el.type === "submit") continue;
    if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
    fields.push([el.name, el.value, el.type === "checkbox" || el.type === "radio"]);
  }
  if (!fields.length) return;
  try {
    sessionStorage.setItem(KEEP, JSON.stringify({
      path: location.pathname, action: form.getAttribute("action"), fields, restore, at: Date.now(),
    }));
  } catch (e) { /* storage full or off: nothing to keep */ }
}
document.addEventListener("submit", (event) => {
  const form = event.target;
  if ((form.method || "").toLowerCase() !== "post" || /\/(inloggen|uitloggen)$/.test(form.action)) return;
  keepTyped(form, false);
}, true);

function restoreTyped() {
  let kept;
  try { kept = JSON.parse(sessionStorage.getItem(KEEP) || "null"); } catch (e) { kept = null; }
  if (!kept) return;
  if (document.body.dataset.pagina === "inloggen") {
    kept.restore = true;
    sessionStorage.setItem(KEEP, JSON.stringify(kept));
    return;
  }
  sessionStorage.removeItem(KEEP);
  if (!kept.restore || kept.path !== location.pathname || Date.now() - kept.at > 12 * 3600 * 1000) return;
  const form = [...document.querySelectorAll("form")].find((f) => f.getAttribute("action") === kept.action);
  if (!form) return;
  for (const [name, value, isChoice] of kept.fields) {
    const els = [...form.elements].filter((el) => el.name === name);
    for (const el of els) {
      if (isChoice) { if (el.value === value) el.checked = true; } else { el.value = value; }
    }
  }
  const note = document.createElement("p");
  note.className = "notice warn";
  note.setAttribute("role", "status");
  note.setAttribute("tabindex", "-1");
  note.textContent = "U was uitgelogd. Wat u had ingevuld, staat er weer. Controleer het en klik opnieuw op de knop om op te slaan.";
  form.prepend(note);
  applyConditions(form);
  const details = form.closest("details");
  if (details) details.open = true;
  note.focus();
}

// --- The time-out warning: a minute before the idle time-out, with a way to stay logged in -------------------
let sessionTimers = [];
function startSessionTimer() {
  const minutes = Number(document.body.dataset.sessieMinuten || 0);
  if (!minutes) return;
  const box = document.getElementById("sessie-waarschuwing");
  const button = document.getElementById("sessie-verlengen");
  button.addEventListener("click", () => {
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    fetch("/sessie/verlengen", {method: "POST", headers, credentials: "same-origin", redirect: "manual"}).then((r) => {
      if (r.status === 204) { box.hidden = true; resetSessionTimer(); } else { expired(); }
    });
  });
  resetSessionTimer();
}
function resetSessionTimer() {
  const minutes = Number(document.body.dataset.sessieMinuten || 0);
  const box = document.getElementById("sessie-waarschuwing");
  if (!minutes || !box) return;
  sessionTimers.forEach(clearTimeout);
  box.hidden = true;
  sessionTimers = [
    setTimeout(() => { box.hidden = false; document.getElementById("sessie-verlengen").focus(); }, Math.max(0, minutes - 1) * 60000),
    setTimeout(expired, minutes * 60000 + 2000),
  ];
}
function expired() {
  // Keep every form with something typed, then say so and offer to log in again (back to this page).
  for (const form of document.querySelectorAll("form[method=post]")) {
    const typed = [...form.elements].some((el) => (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && !["hidden", "submit", "checkbox", "radio", "file"].includes(el.type))) && el.value && el.value !== el.defaultValue);
    if (typed) { keepTyped(form, true); break; }
  }
  const box = document.getElementById("sessie-waarschuwing");
  document.getElementById("sessie-titel").textContent = "U bent uitgelogd";
  document.getElementById("sessie-tekst").textContent = "U was een tijd niet actief. Wat u had ingevuld, bewaren we in deze browser tot u weer inlogt.";
  const button = document.getElementById("sessie-verlengen");
  const link = document.createElement("a");
  link.className = "button";
  link.href = "/inloggen?verlopen=1&volgende=" + encodeURIComponent(location.pathname + location.search);
  link.textContent = "Opnieuw inloggen";
  button.replaceWith(link);
  box.hidden = false;
  link.focus();
}

// An empty required field's message in Dutch, whatever the browser's own language: the field's data-leeg, else
// a plain one. Typing clears it, so the browser checks afresh.
document.addEventListener("invalid", (event) => {
  const field = event.target;
  if (field.validity && field.validity.valueMissing) {
    field.setCustomValidity((field.dataset && field.dataset.leeg) || "Vul dit veld in.");
  }
}, true);
document.addEventListener("input", (event) => {
  if (event.target.setCustomValidity) event.target.setCustomValidity("");
}, true);
