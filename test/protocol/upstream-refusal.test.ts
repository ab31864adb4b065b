import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestBrowser } from '../support/http.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { testDialect } from '../support/storage.ts';

/**
 * The national scheme refuses or garbles the hub's own request (here: discovery at a wrong issuer
 * answers 404). That is not the person's doing: they get a GOV.UK error page with a way to retry,
 * never a 500 or a stack trace.
 */
describe(`upstream refuses the hub's request (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    const port = await freePort();
    hub = await startTestHub({
      PORT: String(port),
      GOVBRIDGE_SINGPASS_ISSUER: `http://127.0.0.1:${port}/simulators/singpass/no-such-issuer`,
    });
  });
  after(async () => {
    await hub?.close();
  });

  test('a person gets a service-unavailable page with a retry link', async () => {
    const b = new TestBrowser();
    const r = await b.follow(`${hub.url}/demo/uk/sign-in?login_hint=sg-citizen-mid`);
    const html = await r.res.text();
    assert.equal(r.res.status, 503, b.visited.join('\n'));
    assert.match(r.res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(html, /govuk-/);
    assert.match(html, /href="\/interaction\/[^"]+\/start\/singpass"/);
    assert.doesNotMatch(html, /\bat .+\.ts:\d+/, 'no stack trace');
    assert.doesNotMatch(html, /no-such-issuer/, 'no internal detail');
  });
});
