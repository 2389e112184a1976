// Starts Swagger UI on #swagger-ui with the document its data-spec-url names.
// A file rather than an inline script, so a strict Content-Security-Policy can stay on.
window.addEventListener("load", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: false, // a deep link inside each operation's toggle button nests interactive controls
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // no badge from validator.swagger.io: nothing leaves our origin
  });
});
