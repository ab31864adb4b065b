import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { safeReturnPath } from '../../src/web/account/account-routes.ts';
import { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

describe('return path after signing in to the hub', () => {
  test('only same-origin paths under the citizen pages are accepted (no open redirect)', () => {
    assert.equal(safeReturnPath('/life-events'), '/life-events');
    assert.equal(safeReturnPath('/life-events/journeys/abc'), '/life-events/journeys/abc');
    assert.equal(safeReturnPath('/account/consents'), '/account/consents');
    for (const bad of [
      'https://evil.example/',
      '//evil.example/life-events',
      '/\\evil.example',
      '/life-events/../../x',
      'javascript:alert(1)',
      '/demo/uk',
      '/life-events@evil.example',
      `/life-events/${'a'.repeat(300)}`,
      undefined,
      42,
    ]) {
      assert.equal(safeReturnPath(bad), undefined, String(bad));
    }
  });
});

describe(`signing in from a life-events page comes back to it (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub?.close();
  });

  test('/life-events → sign in with Singpass → /life-events', async () => {
    const b = new TestBrowser();
    const gate = await b.follow(`${hub.url}/life-events`);
    const gateHtml = await gate.res.text();
    assert.match(gateHtml, /href="\/account\/consents\?return=\/life-events"/);
    const signIn = await b.follow(`${hub.url}/account/consents?return=/life-events`);
    const signInHtml = await signIn.res.text();
    assert.match(signInHtml, /name="returnTo" value="\/life-events"/);
    const persona = await b.submit(signIn.url, signInHtml, '/account/sign-in', { scheme: 'singpass' });
    const done = await b.submit(persona.url, await persona.res.text(), '', { persona: 'sg-citizen-mid' });
    assert.equal(new URL(done.url).pathname, '/life-events', b.visited.join('\n'));
    assert.equal(done.res.status, 200);
    await done.res.arrayBuffer();
  });

  test('a hostile return value is ignored: the sign-in lands on the consents page', async () => {
    const b = new TestBrowser();
    const signIn = await b.follow(`${hub.url}/account/consents?return=//evil.example/`);
    const html = await signIn.res.text();
    assert.doesNotMatch(html, /name="returnTo"/);
    const persona = await b.submit(signIn.url, html, '/account/sign-in', {
      scheme: 'singpass',
      returnTo: 'https://evil.example/',
    });
    const done = await b.submit(persona.url, await persona.res.text(), '', { persona: 'sg-citizen-mid' });
    assert.equal(new URL(done.url).pathname, '/account/consents', b.visited.join('\n'));
    await done.res.arrayBuffer();
  });
});
