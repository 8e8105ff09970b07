// Starts Swagger UI on /api/docs from the locally served bundle (the CSP allows no inline script).
window.addEventListener('DOMContentLoaded', function () {
  window.SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
  });
});
