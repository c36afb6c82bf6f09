// htmx 2.0.11: swap 422 (a form with its errors) like a success; show other errors instead of failing silently.
if (window.htmx) { configure(); } else { document.addEventListener("DOMContentLoaded", configure); }
function configure() {
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
  });
}

// Copy buttons on the DUO view.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".copy-button");
  if (!button) return;
  const text = document.getElementById(button.dataset.copy).textContent;
  navigator.clipboard.writeText(text).then(() => { button.textContent = "Gekopieerd"; });
});

// Inbox keyboard: j/k move between rows, x selects, Enter opens.
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
