import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { useBrowser } from '../support/browser.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * /api/docs on the whole hub (app.ts wiring, an admin token set), in real Chromium: both APIs'
 * operations rendered by Swagger UI from their OpenAPI documents, every operation opened, and each
 * state checked by Journey.check() (axe WCAG 2.2 AA, no CSP violation, script error or failed
 * asset, no inline script). The page keeps the hub's CSP: the same header as any other page.
 */
const browser = useBrowser();

describe(`the API reference, in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub({ GOVBRIDGE_ADMIN_TOKEN: 'api-docs-test-token-0123456789abcdefghij' });
  });
  after(() => hub?.close());

  /** The operations a document lists, as Swagger UI labels them ("GET /api/life-events"). */
  async function documentedOperations(url: string): Promise<string[]> {
    const doc = (await (await fetch(`${hub.url}${url}`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    return Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
  }

  test('both APIs rendered, every operation opened, axe-clean with no browser problem', async () => {
    const context = await browser().newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const journey = await Journey.open(context);
      const { page } = journey;
      await journey.goto(`${hub.url}/api/docs`);
      await page.waitForSelector('#life-events-api .opblock');
      await page.waitForSelector('#admin-api .opblock');
      await journey.check('/api/docs', { heading: 'API reference' });

      assert.equal(await page.title(), 'API reference – govbridge – GOV.UK');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      const home = page.getByRole('link', { name: 'Go back to the govbridge home page' });
      assert.equal(await home.getAttribute('href'), '/');

      for (const [section, url] of [
        ['#life-events-api', '/api/openapi.json'],
        ['#admin-api', '/admin/api/openapi.json'],
      ] as const) {
        const rendered = await page.locator(`${section} .opblock-summary`).evaluateAll((els) =>
          els.map((el) => {
            const method = el.querySelector('.opblock-summary-method')?.textContent ?? '';
            const path = el.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
            return `${method.trim()} ${path}`;
          }),
        );
        const expected = await documentedOperations(url);
        assert.ok(expected.length >= 4, `${url} lists operations`);
        assert.deepEqual(rendered.sort(), expected, `${section} renders every operation of ${url}`);
      }
      // The admin document's bearer scheme: Swagger UI offers to authorise with the operator token.
      assert.equal(await page.locator('#admin-api .btn.authorize').count(), 1);
      assert.equal(await page.locator('#life-events-api .btn.authorize').count(), 0);

      // Open every operation (parameters, bodies, responses, schemas) and check again.
      for (const control of await page.locator('.opblock-summary-control').all()) await control.click();
      await page.waitForSelector('#admin-api .opblock.is-open .responses-table');
      await page.waitForSelector('#life-events-api .opblock.is-open .responses-table');
      assert.equal(await page.locator('.opblock.is-open').count(), await page.locator('.opblock').count());
      await journey.check('/api/docs, every operation open', { heading: 'API reference' });
    } finally {
      await context.close();
    }
  });

  test('the page has the hub’s own CSP, and Swagger UI’s images come from the hub', async () => {
    const docs = await fetch(`${hub.url}/api/docs`);
    const start = await fetch(`${hub.url}/`);
    assert.equal(docs.status, 200);
    const csp = docs.headers.get('content-security-policy');
    assert.ok(csp);
    assert.equal(csp, start.headers.get('content-security-policy'));
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|data:/);

    const html = await docs.text();
    const stylesheet = html.match(/href="(\/api\/docs\/assets\/swagger-ui\.css\?v=[^"]+)"/)?.[1];
    assert.ok(stylesheet);
    const css = await (await fetch(`${hub.url}${stylesheet}`)).text();
    assert.ok(css.includes('.swagger-ui'));
    assert.doesNotMatch(css, /url\(\s*["']?data:/, 'no data: images left in the stylesheet');
    const images = [...css.matchAll(/url\("(\/api\/docs\/assets\/images\/[^"]+)"\)/g)].map((m) => m[1]!);
    assert.ok(images.length > 0);
    for (const image of new Set(images)) {
      const res = await fetch(`${hub.url}${image}`);
      assert.equal(res.status, 200, image);
      assert.match(res.headers.get('content-type') ?? '', /^image\//);
    }
    const missing = await fetch(`${hub.url}/api/docs/assets/images/0000000000000000.svg`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });
});
