import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { personas } from './personas.ts';
import { createFlow, createTestClient, form, type TestClient } from './simulator-test-client.ts';
import { startSingpassSimulatorServer } from './start-simulator-server.ts';

describe('Singpass simulator: persona chooser page', () => {
  let sim: Awaited<ReturnType<typeof startSingpassSimulatorServer>>;
  let client: TestClient;
  let flow: ReturnType<typeof createFlow>;
  before(async () => {
    client = await createTestClient();
    sim = await startSingpassSimulatorServer({
      clients: [{ clientId: client.clientId, jwks: client.publicJwks, redirectUris: [client.redirectUri] }],
    });
    flow = createFlow(sim.app, sim.baseUrl, client);
  });
  after(() => sim.close());

  const requestIdOf = (html: string): string => /name="request_id" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const post = (values: Record<string, string>) =>
    flow.call('POST', `${sim.baseUrl}/login`, {}, form(values));

  it('shows every persona in a GOV.UK page with a novalidate form and no inline script of its own', async () => {
    const { requestUri } = await flow.par({ body: { login_hint: undefined } });
    const page = await flow.authorize(requestUri);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /<form method="post" action="\/simulators\/singpass\/login" novalidate>/);
    assert.match(page.body, /href="\/assets\/govuk-frontend.min.css"/);
    assert.match(page.body, /govuk-radios/);
    for (const p of personas) assert.ok(page.body.includes(`value="${p.id}"`), p.id);
    // No inline script: the only script is the hub's external module, which sets js-enabled.
    assert.deepEqual(page.body.match(/<script\b[^>]*>/g), ['<script type="module" src="/assets/app.js">']);
    assert.ok(requestIdOf(page.body));
  });

  it('completes the login from the form once; a replayed post is refused', async () => {
    const pushed = await flow.par({ body: { login_hint: undefined } });
    const requestId = requestIdOf((await flow.authorize(pushed.requestUri)).body);
    const res = await post({ request_id: requestId, persona: 'sg-pr', scenario: 'normal' });
    assert.equal(res.status, 302);
    const location = new URL(String(res.headers.location));
    assert.equal(location.searchParams.get('state'), pushed.state);
    assert.ok(location.searchParams.get('code'));
    const replay = await post({ request_id: requestId, persona: 'sg-pr', scenario: 'normal' });
    assert.equal(replay.status, 400);
  });

  it('asks again when no persona is chosen, keeping the request', async () => {
    const pushed = await flow.par({ body: { login_hint: undefined } });
    const requestId = requestIdOf((await flow.authorize(pushed.requestUri)).body);
    const res = await post({ request_id: requestId });
    assert.equal(res.status, 400);
    assert.match(res.body, /govuk-error-summary/);
    assert.match(res.body, /<title>Error: /);
    const ok = await post({ request_id: requestId, persona: 'sg-citizen-senior', scenario: 'access_denied' });
    assert.equal(new URL(String(ok.headers.location)).searchParams.get('error'), 'access_denied');
  });

  it('refuses a forged request id', async () => {
    assert.equal((await post({ request_id: 'forged', persona: 'sg-pr' })).status, 400);
  });

  it('serves the page for a legacy request too', async () => {
    const login = await flow.legacyLogin('');
    assert.equal(login.auth.status, 200);
    assert.ok(requestIdOf(login.auth.body));
  });
});
