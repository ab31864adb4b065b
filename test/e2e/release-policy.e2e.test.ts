import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';

/**
 * The release policy at sign-in, end to end: a service whose hosting environment may not hold an
 * attribute never receives it — not in the ID token, not at userinfo, not in `verified_claims` — the
 * citizen is told on the consent page which details are withheld and why, the service is told by
 * `govbridge_withheld`, and the release record keeps only what was released (and what was withheld,
 * with the deciding policies).
 *
 * The hub runs with a copy of trust/ whose environments add one test environment, `test-closed-only`:
 * a UK environment that may hold OFFICIAL under UK rules but only OFFICIAL (CLOSED) under Singapore's,
 * so a Singpass login's RESTRICTED personal data is withheld while `email_verified` (OFFICIAL (CLOSED),
 * non-sensitive) is released.
 */
const SUBSTANTIAL = 'urn:govbridge:loa:substantial';
const PARAMS = {
  scope: 'openid profile email',
  idp_hint: 'singpass',
  login_hint: 'sg-citizen-mid',
  acr_values: SUBSTANTIAL,
};

describe(`release policy at sign-in (${testDialect()})`, () => {
  let hub: TestHub;
  before(async () => {
    const trust = mkdtempSync(join(tmpdir(), 'govbridge-trust-'));
    cpSync(new URL('../../trust/', import.meta.url), trust, { recursive: true });
    appendFileSync(
      join(trust, 'environments.yaml'),
      `
  - id: test-closed-only
    name: Test environment for closed data
    operator: The release-policy end-to-end test
    description: May hold OFFICIAL under UK rules, but only OFFICIAL (CLOSED) under Singapore's.
    jurisdiction: GB
    uk: { maxMarking: OFFICIAL }
    sg: { maxClassification: OFFICIAL (CLOSED) }
    segregated: false
    sources: [https://www.gov.uk/government/publications/government-security-classifications]
`,
    );
    hub = await startTestHub({ GOVBRIDGE_TRUST_FRAMEWORK: join(trust, 'trust-framework.yaml') });
  });
  after(async () => {
    await hub?.close();
  });

  test('attributes the environment may not hold are withheld; the citizen and the service are told why', async () => {
    const rp = await TestRp.register(hub, {
      environment: 'test-closed-only',
      attributes: ['name', 'birthdate', 'email', 'email_verified'],
      minAcr: SUBSTANTIAL,
    });
    const a = await rp.authorize({ params: PARAMS, decision: 'stop' });
    assert.match(a.response.url, /\/interaction\/[^/]+\/consent$/, a.browser.visited.join('\n'));
    const html = a.response.html;
    // Shared: only email_verified. Withheld: each with its reason and rule.
    assert.match(html, /The details that will be shared/);
    assert.match(html, /Email address checked<\/th>/);
    for (const value of ['daniel.teo.test@example.com', 'TEO KAI MING', '1979-08-22', '22 August 1979'])
      assert.ok(!html.includes(value), `a withheld value (${value}) is never shown`);
    assert.match(html, /Details that will not be shared/);
    for (const label of ['Full name', 'Date of birth', 'Email address'])
      assert.match(html, new RegExp(`govuk-summary-list__key">\\s*${label}\\s*<`), label);
    assert.match(
      html,
      /Under Singapore security rules this detail is RESTRICTED, and Protocol test [^ ]+ keeps information in Test environment for closed data, which may hold OFFICIAL \(CLOSED\) at most\./,
    );
    assert.match(html, /\(Rule: above-environment-sg-ceiling\)/);

    const done = await rp.submit(a.browser, a.response.url, html, '/consent', { decision: 'agree' });
    assert.ok(done.code, done.error ?? done.url);
    const tokens = await rp.token(done.code, a.pkce.verifier);
    assert.equal(tokens.status, 200, tokens.text);
    const idToken = await rp.verifyIdToken(String(tokens.body['id_token']), a.params['nonce']);
    const withheld = [
      { claim: 'name', policy: 'above-environment-sg-ceiling' },
      { claim: 'birthdate', policy: 'above-environment-sg-ceiling' },
      { claim: 'email', policy: 'above-environment-sg-ceiling' },
    ];
    assert.deepEqual(idToken['govbridge_withheld'], withheld);
    for (const c of ['name', 'birthdate', 'email']) assert.equal(idToken[c], undefined, c);

    const info = await rp.userinfo(String(tokens.body['access_token']));
    assert.equal(info.status, 200, info.text);
    assert.equal(info.body['email_verified'], true);
    assert.deepEqual(info.body['govbridge_withheld'], withheld);
    for (const c of ['name', 'birthdate', 'email']) assert.equal(info.body[c], undefined, c);
    for (const value of ['daniel.teo.test@example.com', 'TEO KAI MING', '1979-08-22'])
      assert.ok(!info.text.includes(value), `no withheld value (${value}) anywhere in userinfo`);
    const verified = info.body['verified_claims'] as { claims?: Record<string, unknown> } | undefined;
    assert.ok(!verified?.claims?.['name'], 'nor in verified_claims');

    const release = await hub.ctx.storage.db
      .selectFrom('releases')
      .selectAll()
      .where('client_id', '=', rp.clientId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(release.attributes), ['email_verified']);
    // RESTRICTED and OFFICIAL (CLOSED) share rank 1: the Singapore ceiling, compared on Singapore's
    // own ladder, is what withholds them.
    assert.deepEqual(JSON.parse(release.withheld ?? 'null'), [
      { attribute: 'name', policies: ['above-environment-sg-ceiling'] },
      { attribute: 'birthdate', policies: ['above-environment-sg-ceiling'] },
      { attribute: 'email', policies: ['above-environment-sg-ceiling'] },
    ]);
    // The consent covers only what was released.
    const consents = await hub.ctx.storage.db
      .selectFrom('consents')
      .select('attributes')
      .where('client_id', '=', rp.clientId)
      .execute();
    assert.deepEqual(
      consents.map((c) => JSON.parse(c.attributes)),
      [['email_verified']],
    );
  });

  test('an environment outside both countries gets nothing: the citizen is told, the service gets only sub', async () => {
    const rp = await TestRp.register(hub, {
      environment: 'overseas-commercial',
      attributes: ['name', 'birthdate', 'email'],
      minAcr: SUBSTANTIAL,
    });
    const a = await rp.authorize({ params: PARAMS, decision: 'stop' });
    const html = a.response.html;
    assert.match(html, /Continue to Protocol test/);
    assert.match(html, /None of your details will be shared with Protocol test/);
    assert.match(html, /which may hold published information at most/);
    assert.doesNotMatch(html, /Agree and share/);
    const done = await rp.submit(a.browser, a.response.url, html, '/consent', { decision: 'agree' });
    assert.ok(done.code, done.error ?? done.url);
    const tokens = await rp.token(done.code, a.pkce.verifier);
    const info = await rp.userinfo(String(tokens.body['access_token']));
    assert.deepEqual(Object.keys(info.body).sort(), ['govbridge_withheld', 'sub']);
    assert.deepEqual(
      (info.body['govbridge_withheld'] as { claim: string }[]).map((w) => w.claim),
      ['name', 'birthdate', 'email'],
    );
    const release = await hub.ctx.storage.db
      .selectFrom('releases')
      .selectAll()
      .where('client_id', '=', rp.clientId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(release.attributes), []);
    assert.equal(release.consent_id, null, 'nothing shared, so no consent recorded');
  });

  test('a service whose environment the registry does not know gets access_denied, nothing released', async () => {
    const rp = await TestRp.register(hub, { minAcr: SUBSTANTIAL });
    // As if the registry dropped the environment after the service registered.
    await hub.ctx.storage.db
      .updateTable('clients')
      .set({ environment: 'retired-environment' })
      .where('client_id', '=', rp.clientId)
      .execute();
    const a = await rp.authorize({ params: PARAMS });
    assert.equal(a.response.error, 'access_denied', a.response.url);
    assert.match(String(a.response.errorDescription), /hosting environment/);
    const releases = await hub.ctx.storage.db
      .selectFrom('releases')
      .select('release_id')
      .where('client_id', '=', rp.clientId)
      .execute();
    assert.equal(releases.length, 0);
  });
});
