import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestHub, type TestHub } from '../support/hub.ts';
import { startReceiver, type TestReceiver } from '../support/receiver.ts';
import { agencyRegistration, MOVE_FIELDS } from './support.ts';

/**
 * The operator's side, through the whole hub: the admin API (bearer token, problem+json), the CLI on
 * the same database, the published notification keys, and a dead letter replayed to delivery.
 */
const TOKEN = 'operator-token-0123456789abcdef0123456789';
const ROOT = new URL('../../', import.meta.url).pathname;
let hub: TestHub;
let rx: TestReceiver;

before(async () => {
  hub = await startTestHub({
    GOVBRIDGE_ADMIN_TOKEN: TOKEN,
    GOVBRIDGE_NOTIFICATION_POLL_MS: '20',
    GOVBRIDGE_NOTIFICATION_BACKOFF_MS: '20',
  });
  const jwks = (await (await fetch(`${hub.url}/notifications/jwks.json`)).json()) as {
    keys: Array<Record<string, unknown>>;
  };
  rx = await startReceiver({ agencyId: 'uk_council', hubPublicJwk: jwks.keys[0]! });
});
after(async () => {
  await rx.close();
  await hub.close();
});

const admin = (path: string, init: RequestInit = {}, token = TOKEN) =>
  fetch(`${hub.url}/admin/api${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.headers ?? {}),
    },
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

test('the notification signing keys are published, ES256, public halves only', async () => {
  const res = await fetch(`${hub.url}/notifications/jwks.json`);
  assert.equal(res.status, 200);
  const { keys } = (await res.json()) as { keys: Array<Record<string, unknown>> };
  assert.ok(keys.length >= 1);
  for (const k of keys) {
    assert.equal(k['alg'], 'ES256');
    assert.equal(k['d'], undefined);
  }
  // Not the OP's keys: an agency key set never signs ID tokens.
  const op = (await (await fetch(`${hub.url}/jwks`)).json().catch(() => ({ keys: [] }))) as {
    keys: Array<{ kid: string }>;
  };
  for (const k of op.keys ?? []) assert.ok(!keys.some((n) => n['kid'] === k.kid));
});

test('the admin API refuses a missing or wrong token with problem+json', async () => {
  for (const token of ['', 'x'.repeat(TOKEN.length), `${TOKEN}x`]) {
    const res = await admin('/agencies', {}, token);
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="govbridge-admin"');
  }
});

test('agencies are registered through the API; bad registrations get every reason as problem+json', async () => {
  const reg = agencyRegistration('uk_council', rx.url, rx.publicJwk, [
    { eventType: 'moving-abroad', attributes: ['name', 'new_address', 'date_of_move'] },
  ]);
  let res = await admin('/agencies/uk_council', { method: 'PUT', body: JSON.stringify(reg) });
  assert.equal(res.status, 201);
  res = await admin('/agencies/uk_council', { method: 'PUT', body: JSON.stringify(reg) });
  assert.equal(res.status, 200, 'replacing is 200');

  res = await admin('/agencies/uk_bad', {
    method: 'PUT',
    body: JSON.stringify({
      ...reg,
      environment: 'nowhere',
      endpoint: 'ftp://x',
      subscriptions: [{ eventType: 'death', attributes: ['shoe_size'] }],
    }),
  });
  assert.equal(res.status, 400);
  const problem = (await res.json()) as { detail: string };
  assert.match(problem.detail, /unknown hosting environment "nowhere"/);
  assert.match(problem.detail, /endpoint: must be an https URL/);
  assert.match(problem.detail, /"shoe_size" is not a field of death/);

  res = await admin('/agencies/uk_bad', { method: 'PUT', body: '[1,2]' });
  assert.equal(res.status, 400);
  res = await admin('/agencies/uk_bad', { method: 'PUT', body: '{"broken' });
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
  res = await admin('/agencies/nobody');
  assert.equal(res.status, 404);
  res = await admin('/notifications/ntf_unknown');
  assert.equal(res.status, 404);
  res = await admin('/notifications?state=lost');
  assert.equal(res.status, 400);
});

test('a dead letter is visible to the operator with its reason, and a replay delivers it', async () => {
  rx.script = () => ({ status: 410 });
  const { reportId } = await hub.ctx.notifications.reports.submit({
    accountId: 'acc-op',
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: MOVE_FIELDS,
    submissionKey: 'op-1',
  });
  const id = await waitFor(async () => {
    const res = await admin('/notifications?state=dead&agency=uk_council');
    const { notifications } = (await res.json()) as {
      notifications: Array<{ notificationId: string; reportId: string; lastError: string }>;
    };
    const n = notifications.find((x) => x.reportId === reportId);
    return n ? n.notificationId : undefined;
  });
  const detail = (await (await admin(`/notifications/${id}`)).json()) as {
    failures: Array<{ error: string }>;
    attributes: string[];
  };
  assert.match(detail.failures[0]!.error, /HTTP 410/);
  assert.deepEqual(detail.attributes, ['name', 'date_of_move', 'new_address']);
  assert.ok(!JSON.stringify(detail).includes('Horse Guards'), 'the operator sees field names, never values');

  const queues = await cli(['notifications', 'queues']);
  assert.equal(queues.code, 0, queues.stderr);
  assert.match(queues.stdout, /uk_council\tdead\t1/);
  const shown = await cli(['notifications', 'show', id]);
  assert.match(shown.stdout, /failed #1 .*HTTP 410: refused by the agency/);

  rx.script = () => undefined;
  const replay = await cli(['notifications', 'replay', id]);
  assert.equal(replay.code, 0, replay.stderr);
  assert.match(replay.stdout, /Replayed 1 dead letter/);
  const replayRecord = (await hub.ctx.operator.audit.list({ limit: 5 })).find(
    (r) => r.action === 'notification.replay' && r.target === id,
  );
  assert.equal(replayRecord?.actor.via, 'cli', 'the command line’s replay is in the audit trail');
  await waitFor(async () =>
    (await hub.ctx.notifications.operator.get(id)).state === 'delivered' ? true : undefined,
  );
  assert.equal(rx.events.filter((e) => e.id === id).length, 1);

  const again = await admin(`/notifications/${id}/replay`, { method: 'POST' });
  assert.equal(again.status, 409);
});

test('the CLI registers and lists agencies, and says clearly what is wrong', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-agency-'));
  const file = join(dir, 'agency.json');
  writeFileSync(
    file,
    JSON.stringify(
      agencyRegistration('sg_cpf', 'https://cpf.example/notify', rx.publicJwk, [
        { eventType: 'death', attributes: ['deceased_name'] },
      ]),
    ),
  );
  const ok = await cli(['agencies', 'register', '--file', file]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Registered sg_cpf .* in sg-gcc: death \[deceased_name\]/);
  const list = await cli(['agencies', 'list']);
  assert.match(list.stdout, /sg_cpf\tSG\tactive\tsg-gcc\thttps:\/\/cpf.example\/notify\tdeath:deceased_name/);
  writeFileSync(file, JSON.stringify({ agencyId: 'sg_cpf' }));
  const bad = await cli(['agencies', 'register', '--file', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Invalid agency registration/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const missing = await cli(['notifications', 'show', 'ntf_nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No notification "ntf_nope"/);
});

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

test('the release policy decides every notification payload: an agency whose environment may not hold a field never gets it', async () => {
  const reg = agencyRegistration('uk_offshore', rx.url, rx.publicJwk, [
    { eventType: 'moving-abroad', attributes: ['name', 'new_address'] },
  ]);
  const res = await admin('/agencies/uk_offshore', {
    method: 'PUT',
    body: JSON.stringify({ ...reg, environment: 'overseas-commercial' }),
  });
  assert.equal(res.status, 201);
  const plan = await hub.ctx.notifications.reports.preview({
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: MOVE_FIELDS,
  });
  const offshore = plan.find((p) => p.agency.agencyId === 'uk_offshore')!;
  assert.deepEqual(offshore.attributes, []);
  assert.deepEqual(
    offshore.withheld.map((w) => w.field),
    ['name', 'new_address'],
  );
  for (const w of offshore.withheld) {
    assert.ok(w.policies.length > 0, 'names the deciding policy');
    assert.ok(w.reason.length > 0, 'says why, for the citizen');
  }
  const { reportId } = await hub.ctx.notifications.reports.submit({
    accountId: 'acc-policy',
    eventType: 'moving-abroad',
    occurredOn: '2026-12-01',
    fields: MOVE_FIELDS,
    submissionKey: 'policy-1',
  });
  const view = await hub.ctx.notifications.reports.get('acc-policy', reportId);
  assert.ok(!view.notifications.some((n) => n.agency.agencyId === 'uk_offshore'), 'nothing is queued for it');
  const suspended = await admin('/agencies/uk_offshore/suspend', { method: 'POST' });
  assert.equal(suspended.status, 200);
  // A change through the API is in the operators' audit trail, the bearer token as the actor (ADR 18).
  const [last] = await hub.ctx.operator.audit.list({ limit: 1 });
  assert.equal(last?.action, 'agency.suspend');
  assert.equal(last?.target, 'uk_offshore');
  assert.equal(last?.actor.via, 'api-token');
});
