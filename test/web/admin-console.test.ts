import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { AdapterPayload } from 'oidc-provider';
import { getPage, pageText, submitPage, TestBrowser, type TestPage } from '../support/http.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { newKey, TestRp } from '../support/rp.ts';

/**
 * The operator console (issue 11, ADR 18) through the whole hub, without a browser: sign-in links,
 * roles, CSRF, approvals that approve only what the operator saw, suspension reaching the OpenID
 * Provider, refusals, bad input, and the audit trail. (tests/browser/admin-console… walks it in Chromium.)
 */
const ROOT = new URL('../../', import.meta.url).pathname;
let hub: TestHub;
/** A Singpass persona chosen headlessly, as the protocol tests do. */
const CITIZEN = { scope: 'openid', idp_hint: 'singpass', login_hint: 'sg-citizen-mid' };

before(async () => {
  hub = await startTestHub();
});
after(async () => hub.close());

async function signIn(
  role: 'operator' | 'viewer',
  name = role === 'operator' ? 'Olu Operator' : 'Vi Viewer',
) {
  const b = new TestBrowser();
  const { token } = await hub.ctx.operator.sessions.createLink(`link:${name}`, name, role);
  const page = await getPage(b, hub.url, `/admin/sign-in/link?token=${token}`);
  assert.equal(page.status, 200);
  const signedIn = await submitPage(b, page, '/admin/sign-in/link', {});
  assert.equal(signedIn.status, 200);
  assert.match(pageText(signedIn.html), new RegExp(`Signed in as ${name}`));
  return { b, token };
}

/** A relying party that registered itself (Dynamic Client Registration path): pending. */
async function pendingRp(): Promise<TestRp> {
  const key = await newKey();
  const clientId = `dcr-${Math.random().toString(36).slice(2, 10)}`;
  const redirectUri = `https://${clientId}.rp.example/callback`;
  await hub.ctx.clients.upsertFromProvider(
    clientId,
    TestRp.metadata({}, key, clientId, redirectUri) as unknown as AdapterPayload,
  );
  return new TestRp(hub, clientId, redirectUri, key, await newKey());
}

test('nobody signed in: the sign-in page, and every other page and action sends them there', async () => {
  const b = new TestBrowser();
  const home = await getPage(b, hub.url, '/admin');
  assert.equal(home.status, 200);
  assert.match(pageText(home.html), /Sign in to govbridge operations/);
  assert.match(
    pageText(home.html),
    /admin sign-in-link/,
    'no OpenID Provider configured: the link is the way in',
  );
  assert.doesNotMatch(
    home.html,
    /action="\/admin\/sign-in"/,
    'no OIDC button without GOVBRIDGE_ADMIN_ISSUER',
  );
  assert.equal(home.url, `${hub.url}/admin`);
  for (const path of ['/admin/relying-parties', '/admin/ledger', '/admin/audit', '/admin/keys']) {
    const res = await b.request(`${hub.url}${path}`);
    assert.equal(res.status, 303, path);
    assert.equal(res.headers.get('location'), '/admin');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  }
  const rp = await pendingRp();
  const res = await b.request(`${hub.url}/admin/relying-parties/${rp.clientId}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'version=1',
  });
  assert.equal(res.status, 303);
  assert.equal((await hub.ctx.clients.get(rp.clientId))?.status, 'pending');
});

test('a sign-in link works once; a used, unknown or garbled one gets a plain page, never a session', async () => {
  const { b, token } = await signIn('operator');
  const other = new TestBrowser();
  const page = await getPage(other, hub.url, `/admin/sign-in/link?token=${token}`);
  const again = await submitPage(other, page, '/admin/sign-in/link', {});
  assert.equal(again.status, 400);
  assert.match(pageText(again.html), /already been used/);
  for (const bad of ['nope', '', 'x'.repeat(5000), '%00<script>']) {
    const p = await getPage(other, hub.url, `/admin/sign-in/link?token=${encodeURIComponent(bad)}`);
    assert.equal(p.status, 200);
    assert.doesNotMatch(p.html, /<script>/);
    const r = await submitPage(other, p, '/admin/sign-in/link', {});
    assert.equal(r.status, 400);
    assert.match(pageText(r.html), /not one this hub made/);
    assert.match(pageText(r.html), /operator_sign_in_refused/);
  }
  assert.match(pageText((await getPage(other, hub.url, '/admin')).html), /Sign in to govbridge operations/);
  // Signing out ends the session on the server: the old cookie is dead.
  const overview = await getPage(b, hub.url, '/admin');
  const cookie = b.cookieHeader(new URL(hub.url));
  await submitPage(b, overview, '/admin/sign-out', {});
  const replayed = await fetch(`${hub.url}/admin/audit`, { headers: { cookie }, redirect: 'manual' });
  assert.equal(replayed.status, 303);
});

test('a form without its CSRF token changes nothing', async () => {
  const { b } = await signIn('operator');
  const rp = await pendingRp();
  const info = await hub.ctx.clients.get(rp.clientId);
  const res = await b.request(`${hub.url}/admin/relying-parties/${rp.clientId}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `version=${info!.updatedAt}`,
  });
  assert.equal(res.status, 403);
  assert.match(pageText(await res.text()), /This form has expired/);
  assert.equal((await hub.ctx.clients.get(rp.clientId))?.status, 'pending');
});

test('a viewer sees everything and changes nothing', async () => {
  const { b } = await signIn('viewer');
  const rp = await pendingRp();
  for (const path of [
    '/admin',
    '/admin/relying-parties',
    `/admin/relying-parties/${rp.clientId}`,
    '/admin/agencies',
    '/admin/notifications',
    '/admin/ledger',
    '/admin/ledger?check=1',
    '/admin/keys',
    '/admin/refusals',
    '/admin/audit',
  ]) {
    const p = await getPage(b, hub.url, path);
    assert.equal(p.status, 200, path);
  }
  const detail = await getPage(b, hub.url, `/admin/relying-parties/${rp.clientId}`);
  assert.doesNotMatch(detail.html, /\/approve"/, 'no approve button for a viewer');
  // Forge the operator's form: refused with a page, nothing changes.
  const { b: ob } = await signIn('operator', 'Form Source');
  const operatorView = await getPage(ob, hub.url, `/admin/relying-parties/${rp.clientId}`);
  const version = /name="version" value="(\d+)"/.exec(operatorView.html)![1]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(detail.html)![1]!;
  const res = await b.request(`${hub.url}/admin/relying-parties/${rp.clientId}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, version }).toString(),
  });
  assert.equal(res.status, 403);
  assert.match(pageText(await res.text()), /You can look but not change/);
  assert.equal((await hub.ctx.clients.get(rp.clientId))?.status, 'pending');
});

test('approval approves exactly the registration shown; suspension reaches the provider; all audited', async () => {
  const { b } = await signIn('operator', 'Ada Approver');
  const rp = await pendingRp();
  const pushedBefore = await rp.par({});
  assert.equal(pushedBefore.status, 401, 'pending: unknown to the provider');

  const list = await getPage(b, hub.url, '/admin/relying-parties');
  assert.match(pageText(list.html), new RegExp(`Protocol test ${rp.clientId}`));
  const detail = await getPage(b, hub.url, `/admin/relying-parties/${rp.clientId}`);
  const text = pageText(detail.html);
  for (const shown of [
    'Protocol Test Agency',
    'uk-public-cloud',
    'urn:govbridge:loa:low',
    rp.redirectUri,
    'birthdate',
  ]) {
    assert.ok(text.includes(shown), `the approval page shows ${shown}`);
  }
  // The service registers again (wider attributes) while the operator is looking: not approved.
  await hub.ctx.clients.upsertFromProvider(
    rp.clientId,
    TestRp.metadata(
      { attributes: ['name', 'birthdate', 'address', 'email', 'nationalities'] },
      rp.key,
      rp.clientId,
      rp.redirectUri,
    ) as unknown as AdapterPayload,
  );
  await new Promise((r) => setTimeout(r, 5));
  const stale = await submitPage(b, detail, '/approve', {});
  assert.equal(stale.status, 409);
  assert.match(pageText(stale.html), /changed while you were looking/);
  assert.equal((await hub.ctx.clients.get(rp.clientId))?.status, 'pending');

  const fresh = await getPage(b, hub.url, `/admin/relying-parties/${rp.clientId}`);
  const approved = await submitPage(b, fresh, '/approve', {});
  assert.equal(approved.status, 200);
  assert.match(pageText(approved.html), /Relying party approved/);
  const login = await rp.login({ params: CITIZEN });
  assert.ok(login.claims.sub, 'the approved service signs a citizen in');

  const suspendPage = await getPage(b, hub.url, `/admin/relying-parties/${rp.clientId}`);
  const suspended = await submitPage(b, suspendPage, '/suspend', {});
  assert.match(pageText(suspended.html), /Suspended/);
  assert.equal((await rp.par({})).status, 401, 'suspended: invalid_client at the provider');
  const resumePage = await getPage(b, hub.url, `/admin/relying-parties/${rp.clientId}`);
  await submitPage(b, resumePage, '/resume', {});
  assert.equal((await rp.par(rp.authorizationParams(TestRp.pkce(), CITIZEN))).status, 201);

  const audit = pageText((await getPage(b, hub.url, '/admin/audit')).html);
  assert.match(audit, /The trail is intact/);
  for (const action of ['client.approve', 'client.suspend', 'client.resume', 'operator.sign_in']) {
    assert.ok(audit.includes(action), action);
  }
  assert.ok(audit.includes('Ada Approver (operator, link)'));
  assert.equal(audit.split('client.approve').length - 1 >= 1, true);
});

test('unknown things and bad input get a page, not a 500', async () => {
  const { b } = await signIn('operator', 'Bad Input');
  const overview = await getPage(b, hub.url, '/admin');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(overview.html)![1]!;
  const post = (path: string, fields: Record<string, string> = {}) =>
    b.request(`${hub.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
  for (const [path, status] of [
    ['/admin/relying-parties/no-such-client', 404],
    ['/admin/relying-parties/%3Cscript%3E', 404],
    ['/admin/notifications/ntf_nothing', 404],
    ['/admin/notifications/%00', 404],
  ] as const) {
    const p = await getPage(b, hub.url, path);
    assert.equal(p.status, status, path);
    assert.doesNotMatch(p.html, /<script>|at .*\.ts:\d+/);
  }
  const rp = await pendingRp();
  for (const [path, fields, status] of [
    [`/admin/relying-parties/${rp.clientId}/approve`, { version: 'yesterday' }, 400],
    [`/admin/relying-parties/${rp.clientId}/approve`, {}, 400],
    [`/admin/relying-parties/${rp.clientId}/explode`, {}, 404],
    ['/admin/relying-parties/nobody/approve', { version: '1' }, 404],
    ['/admin/agencies/NO_SUCH/suspend', {}, 404],
    ['/admin/agencies/nobody-here/suspend', {}, 404],
    ['/admin/notifications/ntf_missing/replay', {}, 404],
  ] as const) {
    const res = await post(path, fields);
    assert.equal(res.status, status, path);
    assert.doesNotMatch(await res.text(), /at .*\.ts:\d+|Internal Server Error/);
  }
  assert.equal((await hub.ctx.clients.get(rp.clientId))?.status, 'pending');
  const audit = await getPage(b, hub.url, '/admin/audit?before=banana');
  assert.equal(audit.status, 200);
});

test('a refused login shows on the refusals page by code and check, naming no one', async () => {
  const rp = await TestRp.register(hub);
  // A password-only Singpass login where the service asks for substantial assurance.
  const refused = await rp.authorize({
    params: {
      ...CITIZEN,
      login_hint: 'sg-citizen-password-only',
      acr_values: 'urn:govbridge:loa:substantial',
    },
  });
  assert.equal(refused.response.error, 'unmet_authentication_requirements');
  const { b } = await signIn('viewer', 'Refusal Reader');
  let page: TestPage | undefined;
  for (let i = 0; i < 50; i++) {
    page = await getPage(b, hub.url, '/admin/refusals');
    if (pageText(page.html).includes(rp.clientId)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const text = pageText(page!.html);
  assert.match(text, /unmet_authentication_requirements assurance_authentication 1/);
  assert.doesNotMatch(text, /sg-citizen|S\d{7}[A-Z]/, 'no persona, no NRIC');
  assert.ok(text.includes(rp.clientId));
});

test('the command line prints a working link, and its own changes are in the audit trail', async () => {
  const r = await cli(['admin', 'sign-in-link', '--name', 'Cli Person', '--role', 'viewer']);
  assert.equal(r.code, 0, r.stderr);
  const url = /(http\S+\/admin\/sign-in\/link\?token=\S+)/.exec(r.stdout)![1]!;
  const b = new TestBrowser();
  const page = await getPage(
    b,
    url.replace(/\?.*/, '').replace('/admin/sign-in/link', ''),
    `/admin/sign-in/link${new URL(url).search}`,
  );
  const signedIn = await submitPage(b, page, '/admin/sign-in/link', {});
  assert.match(pageText(signedIn.html), /Signed in as Cli Person \(viewer/);

  const bad = await cli(['admin', 'sign-in-link', '--role', 'root']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--role must be operator or viewer/);

  const rp = await pendingRp();
  const approved = await cli(['clients', 'approve', rp.clientId]);
  assert.equal(approved.code, 0, approved.stderr);
  const suspended = await cli(['clients', 'suspend', rp.clientId]);
  assert.match(suspended.stdout, /Suspended/);
  const trail = await cli(['admin', 'audit', '--limit', '5']);
  assert.match(trail.stdout, new RegExp(`client\\.suspend\\t${rp.clientId}`));
  assert.match(trail.stdout, /command line \(.*\) \(operator, cli\)/);
  const verified = await cli(['admin', 'audit-verify']);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stdout, /Audit trail intact: \d+ records/);
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', ...hub.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
