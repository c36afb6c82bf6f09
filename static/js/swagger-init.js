// Starts Swagger UI on the API page (portal/uploads/api.py, SwaggerPage). A file, not an inline script, so the
// page's Content-Security-Policy can forbid inline scripts; the schema's address comes from a data attribute.
(function () {
  "use strict";
  var container = document.getElementById("swagger-container");
  window.ui = SwaggerUIBundle({
    url: container.getAttribute("data-schema"),
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
