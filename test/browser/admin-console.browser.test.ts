import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { AdapterPayload } from 'oidc-provider';
import Provider from 'oidc-provider';
import { agencyRegistration, MOVE_FIELDS } from '../notifications/support.ts';
import { useBrowser } from '../support/browser.ts';
import { freePort, startTestHub, type TestHub } from '../support/hub.ts';
import { startReceiver, type TestReceiver } from '../support/receiver.ts';
import { newKey, TestRp } from '../support/rp.ts';
import { testDialect } from '../support/storage.ts';
import { Journey } from './journey.ts';

/**
 * Issue 11's "done when" for the console, in real Chromium: an operator signs in at /admin through
 * the operators' OpenID Provider (an oidc-provider of the test's own, with its development login
 * pages), approves a pending relying party (which then signs a citizen in), replays a dead letter
 * (which is then delivered), and finds both actions, with their name, in the audit trail. Every
 * console page on the way is checked by Journey.check (axe WCAG 2.2 AA, no inline script, no CSP
 * violation or failed asset). A person the provider knows but the hub does not is refused with a page.
 */
const browser = useBrowser();

describe(`operator console in Chromium (${testDialect()})`, () => {
  let hub: TestHub;
  let idp: Server;
  let rx: TestReceiver;
  const secret = 'console-secret-0123456789abcdef';

  before(async () => {
    const idpPort = await freePort();
    const hubPort = await freePort();
    const issuer = `http://127.0.0.1:${idpPort}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'govbridge-console',
          client_secret: secret,
          redirect_uris: [`http://127.0.0.1:${hubPort}/admin/sign-in/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email'] },
      conformIdTokenClaims: false,
      findAccount: async (_ctx, id) => ({
        accountId: id,
        claims: async () => ({
          sub: id,
          name: id === 'priya' ? 'Priya Operator' : 'Someone Else',
          groups: id === 'priya' ? ['staff', 'govbridge-operators'] : ['staff'],
        }),
      }),
      features: { devInteractions: { enabled: true } },
      pkce: { required: () => true },
    });
    idp = provider.listen(idpPort) as unknown as Server;
    hub = await startTestHub({
      PORT: String(hubPort),
      GOVBRIDGE_ADMIN_ISSUER: issuer,
      GOVBRIDGE_ADMIN_CLIENT_ID: 'govbridge-console',
      GOVBRIDGE_ADMIN_CLIENT_SECRET: secret,
      GOVBRIDGE_ADMIN_GROUPS_CLAIM: 'groups',
      GOVBRIDGE_ADMIN_OPERATOR_GROUP: 'govbridge-operators',
      GOVBRIDGE_NOTIFICATION_POLL_MS: '20',
      GOVBRIDGE_NOTIFICATION_BACKOFF_MS: '20',
    });
    const jwks = (await (await fetch(`${hub.url}/notifications/jwks.json`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    rx = await startReceiver({ agencyId: 'uk_council', hubPublicJwk: jwks.keys[0]! });
    await hub.ctx.notifications.agencies.register(
      agencyRegistration('uk_council', rx.url, rx.publicJwk, [
        { eventType: 'moving-abroad', attributes: ['name', 'new_address', 'date_of_move'] },
      ]),
    );
  });
  after(async () => {
    await rx?.close();
    await hub?.close();
    await new Promise((r) => idp?.close(r));
  });

  async function signInAt(j: Journey, login: string): Promise<void> {
    // The test provider's development login page asks Google for a font; there is no internet here
    // (and it is not our page): answer it with an empty stylesheet.
    await j.context.route('https://fonts.googleapis.com/**', (r) =>
      r.fulfill({ status: 200, contentType: 'text/css', body: '' }),
    );
    await j.goto(`${hub.url}/admin`);
    await j.check('console sign-in', { heading: 'Sign in to govbridge operations' });
    await j.clickTo(
      j.page.getByRole('button', { name: /Sign in with your organisation/ }),
      /\/interaction\//,
    );
    await j.page.locator('input[name="login"]').fill(login);
    await j.page.locator('input[name="password"]').fill('any');
    await Promise.all([
      j.page.waitForURL(/\/interaction\/|\/admin/),
      j.page.locator('button[type="submit"]').click(),
    ]);
    if (/\/interaction\//.test(j.page.url())) {
      await Promise.all([j.page.waitForURL(/\/admin/), j.page.locator('button[type="submit"]').click()]);
    }
  }

  test('sign in, approve a pending service, replay a dead letter, find both in the audit trail', async () => {
    // A service that registered itself, waiting; a notification that died (the agency said 410).
    const key = await newKey();
    const clientId = `dcr-console-${Date.now().toString(36)}`;
    const redirectUri = `https://${clientId}.rp.example/callback`;
    await hub.ctx.clients.upsertFromProvider(
      clientId,
      TestRp.metadata({}, key, clientId, redirectUri) as unknown as AdapterPayload,
    );
    const rp = new TestRp(hub, clientId, redirectUri, key, await newKey());
    rx.script = () => ({ status: 410 });
    const { reportId } = await hub.ctx.notifications.reports.submit({
      accountId: 'acc-console',
      eventType: 'moving-abroad',
      occurredOn: '2026-12-01',
      fields: MOVE_FIELDS,
      submissionKey: 'console-1',
    });
    const dead = await waitFor(async () =>
      (await hub.ctx.notifications.operator.list({ state: 'dead' })).find((n) => n.reportId === reportId),
    );

    const j = await Journey.open(await browser().newContext());
    await signInAt(j, 'priya');
    await j.check('overview', { heading: 'Overview' });
    assert.match(
      await j.page.locator('main').innerText(),
      /Signed in as Priya Operator \(operator\)|Priya Operator/,
    );

    await j.clickTo(
      j.page.getByRole('link', { name: 'Relying parties', exact: true }),
      /\/admin\/relying-parties$/,
    );
    await j.check('relying parties', { heading: 'Relying parties' });
    await j.clickTo(j.page.getByRole('link', { name: `Protocol test ${clientId}` }), new RegExp(clientId));
    await j.check('pending relying party', { heading: `Protocol test ${clientId}` });
    assert.equal(await j.summaryValue('Hosting environment'), 'uk-public-cloud');
    await j.clickTo(j.page.getByRole('button', { name: 'Approve this registration' }), /done=approved/);
    await j.check('approved', { heading: 'Relying parties' });
    const login = await rp.login({
      params: { scope: 'openid', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' },
    });
    assert.ok(login.claims.sub, 'the approved service signs a citizen in');

    rx.script = () => undefined;
    await j.clickTo(
      j.page.getByRole('link', { name: 'Notifications', exact: true }),
      /\/admin\/notifications$/,
    );
    await j.check('notification queues', { heading: 'Notification queues' });
    await j.clickTo(j.page.getByRole('link', { name: dead.notificationId }), /\/admin\/notifications\/ntf_/);
    await j.check('dead letter', { heading: dead.notificationId });
    await j.clickTo(j.page.getByRole('button', { name: 'Send again' }), /done=replayed/);
    await j.check('replayed', { heading: 'Notification queues' });
    assert.match(await j.page.locator('.govuk-notification-banner').innerText(), /1 dead letter sent again/);
    await waitFor(async () =>
      (await hub.ctx.notifications.operator.get(dead.notificationId)).state === 'delivered'
        ? true
        : undefined,
    );

    for (const [name, heading] of [
      ['Agencies', 'Agencies'],
      ['Ledger', 'Transparency ledger'],
      ['Keys', 'Keys'],
      ['Refusals', 'Refused logins'],
      ['Audit trail', 'Audit trail'],
    ] as const) {
      await j.clickTo(j.page.getByRole('link', { name, exact: true }), /\/admin\//);
      await j.check(name, { heading });
    }
    const trail = await j.page.locator('main').innerText();
    assert.match(trail, /The trail is intact/);
    assert.match(trail, new RegExp(`Priya Operator \\(operator, oidc\\)\\s+client\\.approve\\s+${clientId}`));
    assert.match(
      trail,
      new RegExp(`Priya Operator \\(operator, oidc\\)\\s+notification\\.replay\\s+${dead.notificationId}`),
    );

    await j.goto(`${hub.url}/admin/ledger?check=1`);
    await j.check('ledger integrity', { heading: 'Transparency ledger' });
    assert.match(await j.page.locator('.govuk-notification-banner').innerText(), /match/);
    await j.context.close();
  });

  test('someone the operators’ provider knows but the hub does not is refused with a page', async () => {
    const j = await Journey.open(await browser().newContext());
    await signInAt(j, 'mallory');
    await j.check('refused', { status: 403, heading: 'You cannot sign in to govbridge operations' });
    assert.match(await j.page.locator('main').innerText(), /not one of the people allowed/);
    await j.goto(`${hub.url}/admin/audit`);
    await j.check('still signed out', { heading: 'Sign in to govbridge operations' });
    await j.context.close();
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}
