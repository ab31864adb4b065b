import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createLogger } from '../../src/web/index.ts';
import { TestBrowser } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * Every refused or failed login leaves exactly one `warn` line for the operator: a stable code, the
 * scheme, the relying party, the check that failed and what the national scheme said — never
 * personal data, tokens or what the relying party put in `login_hint`. An upstream's refusal of the
 * hub's own request is not shown as an outage, and a hint the scheme would refuse is not forwarded.
 */
const HIGH = 'urn:govbridge:loa:high';

describe(`refused logins are visible and honest (${testDialect()})`, () => {
  let hub: TestHub;
  let rp: TestRp;
  const lines: Record<string, unknown>[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    hub = await startTestHub({}, { logger: createLogger({ logLevel: 'info' }, sink) });
    rp = await TestRp.register(hub, { minAcr: 'urn:govbridge:loa:low' });
  });
  after(async () => {
    await hub?.close();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  const warnings = () => lines.filter((l) => l['level'] === 40);
  const refusals = () => warnings().filter((l) => l['event'] === 'login_refused');

  function onlyRefusal(): Record<string, unknown> {
    const r = refusals();
    assert.equal(r.length, 1, `exactly one refusal line: ${JSON.stringify(warnings())}`);
    const line = r[0]!;
    assert.equal(line['clientId'], rp.clientId);
    return line;
  }

  function assertNothingPersonal() {
    const text = JSON.stringify(warnings());
    for (const s of ['TEO KAI MING', 'S9812381D', 'sg-citizen-mid', 'nobody-here', 'eyJ', '1979-08-22']) {
      assert.ok(!text.includes(s), `no ${s} in the warn lines: ${text}`);
    }
  }

  test('a level no scheme reaches: unmet_authentication_requirements, one line naming the check', async () => {
    const { response } = await rp.authorize({
      params: { idp_hint: 'singpass', login_hint: 'sg-citizen-mid', acr_values: HIGH },
    });
    assert.equal(response.error, 'unmet_authentication_requirements');
    const line = onlyRefusal();
    assert.equal(line['errorCode'], 'unmet_authentication_requirements');
    assert.equal(line['oidcError'], 'unmet_authentication_requirements');
    assert.equal(line['scheme'], 'singpass');
    assert.equal(line['check'], 'assurance');
    assertNothingPersonal();
  });

  test('a token that fails verification after the callback: one line with the failed check', async () => {
    const { response } = await rp.authorize({
      params: { idp_hint: 'singpass', login_hint: 'sg-citizen-mid:wrong_nonce' },
    });
    assert.equal(response.error, 'access_denied');
    const line = onlyRefusal();
    assert.equal(line['errorCode'], 'upstream_invalid_response');
    assert.equal(line['check'], 'nonce');
    assert.equal(line['scheme'], 'singpass');
    assertNothingPersonal();
  });

  test("the scheme's own error on the callback reaches the log line", async () => {
    const { response } = await rp.authorize({
      params: { idp_hint: 'singpass', login_hint: 'sg-citizen-mid:access_denied' },
    });
    assert.equal(response.error, 'access_denied');
    const line = onlyRefusal();
    assert.equal(line['upstreamError'], 'access_denied');
    assert.equal(line['check'], 'authorization_error');
  });

  test('the citizen declining on the consent page is logged as such', async () => {
    const { response } = await rp.authorize({
      params: { scope: 'openid profile', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
      decision: 'decline',
    });
    assert.equal(response.error, 'access_denied');
    assert.equal(onlyRefusal()['check'], 'citizen_declined');
  });

  test("the scheme refusing the hub's request (PAR 400) ends the service's request; it is not an outage", async () => {
    // The simulator refuses a PAR whose login_hint names no persona, as Singpass refuses a bad hint.
    const { response } = await rp.authorize({ params: { idp_hint: 'singpass', login_hint: 'nobody-here' } });
    assert.notEqual(response.status, 503, 'not a "not responding" page');
    assert.equal(response.error, 'invalid_request', `${response.url}`);
    const line = onlyRefusal();
    assert.equal(line['check'], 'par');
    assert.equal(line['upstreamStatus'], 400);
    assert.equal(line['upstreamError'], 'invalid_request');
    // The scheme's own words reach the operator (redacted), not a generic "not responding".
    assert.match(String(line['upstreamDescription']), /unknown persona/);
    assertNothingPersonal();
  });

  for (const [what, hint] of [
    ['HTML', '<b>sg-citizen-mid</b>'],
    ['an emoji', 'sg-citizen-mid\u{1F600}'],
    ['a right-to-left mark', '\u200Fsg-citizen-mid'],
    ['a NUL', 'sg-citizen-mid\u0000'],
    ['a space', 'sg citizen mid'],
  ] as const) {
    test(`a login_hint with ${what} is not forwarded: the person reaches Singpass's page`, async () => {
      const { response } = await rp.authorize({ params: { idp_hint: 'singpass', login_hint: hint } });
      assert.equal(response.status, 200, response.url);
      assert.ok(response.url.includes('/simulators/singpass/'), `at the Singpass page: ${response.url}`);
      assert.equal(refusals().length, 0);
      const dropped = warnings().filter((l) => l['event'] === 'parameter_dropped');
      assert.equal(dropped.length, 1);
      assert.equal(dropped[0]!['errorCode'], 'login_hint_dropped');
      assert.ok(!JSON.stringify(dropped).includes('citizen'), 'the hint itself is not logged');
    });
  }

  test('a callback with an unknown state is one warn line with check "state"', async () => {
    const b = new TestBrowser();
    const r0 = await b.follow(`${hub.url}/callback/singpass?state=not-ours&code=abc`);
    assert.equal(r0.res.status, 400);
    const r = refusals();
    assert.equal(r.length, 1, JSON.stringify(warnings()));
    assert.equal(r[0]!['check'], 'state');
  });
});
