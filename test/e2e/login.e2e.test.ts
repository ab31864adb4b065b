import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Complete cross-border logins through the real hub, as `npm start` builds it: demo relying party →
 * hub (PAR, DPoP, private_key_jwt) → national-scheme simulator (headless persona via login_hint) →
 * hub (verification, assurance, claims) → consent → relying party (token, userinfo).
 */
describe(`end-to-end logins (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  async function signIn(b: TestBrowser, slug: 'uk' | 'sg', loginHint: string) {
    const first = await b.follow(
      `${hub.url}/demo/${slug}/sign-in?login_hint=${encodeURIComponent(loginHint)}`,
    );
    return first;
  }

  test('UK service accepts a Singpass login: consent, then translated claims and assurance', async () => {
    const b = new TestBrowser();
    const consent = await signIn(b, 'uk', 'sg-citizen-mid');
    const html = await consent.res.text();
    assert.equal(consent.res.status, 200, b.visited.join('\n'));
    assert.match(consent.url, /\/interaction\/[^/]+\/consent$/);
    assert.match(html, /Share your details with/);
    assert.match(html, /Singapore to a service in the United Kingdom/);
    // The header names the hub, not the relying party (the page names the service in its heading).
    assert.match(html, /govuk-service-navigation__service-name">\s*<a[^>]*>\s*govbridge\s*</);
    assert.match(html, /Nationality<\/th>\s*<td[^>]*>\s*Singapore\s*</);
    const done = await b.submit(consent.url, html, '/consent', { decision: 'agree' });
    const result = await done.res.text();
    assert.equal(done.res.status, 200, b.visited.join('\n'));
    assert.match(done.url, /\/demo\/uk\//);
    assert.match(result, /urn:govbridge:loa:substantial/);
    assert.match(result, /Singpass|sg_singpass/);
    // The service points the person at the life event they are living through, on the hub.
    assert.match(result, /href="\/life-events\?event=moving_singapore_to_uk"/);
    const landing = await b.follow(`${hub.url}/life-events?event=moving_singapore_to_uk`);
    assert.equal(landing.res.status, 200);
    assert.match(await landing.res.text(), /value="moving_singapore_to_uk" checked/);

    // A second login: the consent is remembered, no consent page.
    const again = await signIn(b, 'uk', 'sg-citizen-mid');
    assert.match(again.url, /\/demo\/uk\//, b.visited.join('\n'));
    assert.equal(again.res.status, 200);
  });

  test('Singapore service accepts a GOV.UK One Login identity (P2)', async () => {
    const b = new TestBrowser();
    const consent = await signIn(b, 'sg', 'eleanor-whitfield');
    const html = await consent.res.text();
    assert.equal(consent.res.status, 200, b.visited.join('\n'));
    assert.match(html, /United Kingdom to a service in Singapore/);
    const done = await b.submit(consent.url, html, '/consent', { decision: 'agree' });
    const result = await done.res.text();
    assert.equal(done.res.status, 200, b.visited.join('\n'));
    assert.match(done.url, /\/demo\/sg\//);
    assert.match(result, /urn:govbridge:loa:substantial/);
  });

  test('the life-events API and its OpenAPI document are served by the hub', async () => {
    const list = await fetch(`${hub.url}/api/life-events`);
    assert.equal(list.status, 200);
    const { events } = (await list.json()) as { events: { id: string }[] };
    assert.ok(events.some((e) => e.id === 'having_a_baby'));
    const openapi = await fetch(`${hub.url}/api/openapi.json`);
    assert.equal(openapi.status, 200);
    assert.equal(((await openapi.json()) as { openapi: string }).openapi, '3.1.0');
    const missing = await fetch(`${hub.url}/api/life-events/no_such_event`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /application\/problem\+json/);
  });

  test('declining consent returns access_denied to the service', async () => {
    const b = new TestBrowser();
    const consent = await signIn(b, 'sg', 'rhys-pritchard');
    const html = await consent.res.text();
    assert.equal(consent.res.status, 200, b.visited.join('\n'));
    const done = await b.submit(consent.url, html, '/consent', { decision: 'decline' });
    const page = await done.res.text();
    assert.match(done.url, /\/demo\/sg\//);
    assert.match(page, /access_denied|did not agree|declined|chose not/i);
    assert.ok(done.res.status >= 400 && done.res.status < 500, `status ${done.res.status}`);
  });
});
