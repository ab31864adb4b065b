/*
 * The hub's only script, loaded by the layout as `<script type="module" src="/assets/app.js?v=…">`.
 *
 * It does what govuk-frontend's inline snippet would do, without inline script (our CSP forbids
 * it): mark the body `js-enabled` (styles for enhanced components) and `govuk-frontend-supported`
 * (initAll() checks for it; a module script only runs where ES modules work, which is exactly
 * govuk-frontend's support test), then initialise every component on the page.
 * Pages work fully without it: this is progressive enhancement only.
 */
document.body.classList.add('js-enabled', 'govuk-frontend-supported');

// Carry our own `?v=` to govuk-frontend's module so both are cached (immutably) under one version.
const version = new URL(import.meta.url).search;
const { initAll } = await import(new URL(`./govuk-frontend.min.js${version}`, import.meta.url).href);
initAll();
