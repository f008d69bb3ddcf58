// Starts Swagger UI on /docs from this origin's /openapi.json. A file of its own, not an inline
// script: the server's Content-Security-Policy allows scripts from this origin only.
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  showExtensions: true,
  validatorUrl: null, // the default would load an image from validator.swagger.io
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
