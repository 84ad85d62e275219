// Starts Swagger UI on /api/docs. A file, not an inline script, so the page keeps the strict
// Content-Security-Policy (script-src 'self') the rest of Payam has.
window.ui = SwaggerUIBundle({
  url: document.currentScript.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  // No badge fetched from validator.swagger.io: the page talks to this server only.
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
