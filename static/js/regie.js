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
