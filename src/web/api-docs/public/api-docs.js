// The API reference page (/api/docs): render each OpenAPI document named on the page with Swagger
// UI. An external script (the hub's CSP has no 'unsafe-inline'); swagger-ui-bundle.js, loaded
// before it, defines SwaggerUIBundle.

// Swagger UI draws a parameter with listed values (an enum, a boolean) as a <select> with no label;
// name each one after its parameter, as the row shows it ("state (query)"), whenever one appears.
function labelParameterSelects(root) {
  for (const select of root.querySelectorAll('tr[data-param-name] select:not([aria-label])')) {
    const row = select.closest('tr');
    select.setAttribute(
      'aria-label',
      `${row.getAttribute('data-param-name')} (${row.getAttribute('data-param-in')} parameter)`,
    );
  }
}

for (const element of document.querySelectorAll('[data-openapi-url]')) {
  new MutationObserver(() => labelParameterSelects(element)).observe(element, {
    childList: true,
    subtree: true,
  });
  SwaggerUIBundle({
    url: element.getAttribute('data-openapi-url'),
    domNode: element,
    // No call to validator.swagger.io: the page loads nothing from elsewhere.
    validatorUrl: null,
    deepLinking: false,
    // "Try it out" sends real requests to this hub; admin ones need the operator token (Authorize).
    tryItOutEnabled: false,
    persistAuthorization: false,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list',
    // Its highlighter's theme fails WCAG contrast (red on dark grey); plain text is readable.
    syntaxHighlight: { activated: false },
  });
}
