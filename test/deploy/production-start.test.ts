import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { children, startHubProcess, stopHubProcess } from '../faults/support.ts';
import { freePort } from '../support/hub.ts';
import { createDatabase, ROOT, tempDir } from './support.ts';

/**
 * docs/deploy.md "Secrets and key files", tested: the key files written by
 * examples/deploy/generate-keys.mjs and the secrets it prints are enough for a process with
 * `NODE_ENV=production` on PostgreSQL (no simulators, no demo services, no generated key): it starts,
 * is ready, publishes the public halves of the files' keys, serves metrics on its own listener. And
 * the production guards refuse, naming the settings, without them.
 */

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

const FILES = {
  GOVBRIDGE_SIGNING_KEYS_FILE: 'hub-signing.jwks.json',
  GOVBRIDGE_NOTIFICATION_KEYS_FILE: 'notification.jwks.json',
  GOVBRIDGE_LEDGER_KEYS_FILE: 'ledger.jwks.json',
  GOVBRIDGE_SINGPASS_KEYS_FILE: 'singpass.jwks.json',
  GOVBRIDGE_ONELOGIN_KEYS_FILE: 'onelogin.jwks.json',
} as const;

const kids = (file: string): string[] =>
  (JSON.parse(readFileSync(file, 'utf8')) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

test('a production process starts with the generated key files and secrets, publishes their keys, and refuses without them', {
  timeout: 180_000,
}, async () => {
  const dir = tempDir('production');
  const keys = join(dir, 'keys');
  const printed = execFileSync(process.execPath, [join(ROOT, 'examples/deploy/generate-keys.mjs'), keys], {
    encoding: 'utf8',
  });
  const secret = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(printed)?.[1] ?? '';
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    GOVBRIDGE_PUBLIC_URL: 'https://govbridge.example.gov.uk',
    GOVBRIDGE_KEY_ENCRYPTION_KEY: secret('GOVBRIDGE_KEY_ENCRYPTION_KEY'),
    GOVBRIDGE_COOKIE_SECRET: secret('GOVBRIDGE_COOKIE_SECRET'),
    LOG_LEVEL: 'warn',
  };
  assert.match(env['GOVBRIDGE_KEY_ENCRYPTION_KEY']!, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(env['GOVBRIDGE_COOKIE_SECRET']!.length >= 32);
  for (const [setting, file] of Object.entries(FILES)) {
    env[setting] = join(keys, file);
    assert.equal(statSync(env[setting]).mode & 0o777, 0o600, `${file} is readable by its owner only`);
  }
  // Run again, it leaves the files as they are.
  const again = execFileSync(process.execPath, [join(ROOT, 'examples/deploy/generate-keys.mjs'), keys], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.doesNotMatch(again, /wrote /);

  const db = await createDatabase('govbridge_deploy_production');
  cleanups.push(() => db.drop());
  const [port, metricsPort] = [await freePort(), await freePort()];
  const hub = await startHubProcess('production', {
    ...env,
    DATABASE_URL: db.url,
    PORT: String(port),
    GOVBRIDGE_METRICS_PORT: String(metricsPort),
  });
  cleanups.push(() => stopHubProcess(hub));
  const direct = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${direct}/readyz`)).status, 200);
  // No simulators or demo services in production.
  assert.equal(
    (await fetch(`${direct}/simulators/singpass/fapi/.well-known/openid-configuration`)).status,
    404,
  );
  const discovery = (await (await fetch(`${direct}/.well-known/openid-configuration`)).json()) as Record<
    string,
    string
  >;
  assert.equal(discovery['issuer'], 'https://govbridge.example.gov.uk');
  const published = async (path: string) =>
    ((await (await fetch(`${direct}${path}`)).json()) as { keys: Array<{ kid: string; d?: string }> }).keys;
  const hubKeys = await published('/jwks');
  assert.deepEqual(
    hubKeys.map((k) => k.kid),
    kids(env['GOVBRIDGE_SIGNING_KEYS_FILE']!),
  );
  assert.ok(
    hubKeys.every((k) => k.d === undefined),
    'only public halves',
  );
  assert.deepEqual(
    (await published('/notifications/jwks.json')).map((k) => k.kid),
    kids(env['GOVBRIDGE_NOTIFICATION_KEYS_FILE']!),
  );
  const verifierKey = await (await fetch(`${direct}/ledger/verifier-key`)).text();
  assert.match(verifierKey, /^govbridge\.example\.gov\.uk\/ledger\+[0-9a-f]{8}\+/);
  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /^govbridge_db_pool_max 10$/m);
  assert.equal((await fetch(`${direct}/metrics`)).status, 404, 'no metrics on the public listener');
  await stopHubProcess(hub);

  // The guards: simulators on, no signing key file.
  const { GOVBRIDGE_SIGNING_KEYS_FILE: _signing, ...withoutSigning } = env;
  await assert.rejects(
    startHubProcess('refused', {
      ...withoutSigning,
      DATABASE_URL: db.url,
      PORT: String(port),
      GOVBRIDGE_SIMULATORS: 'true',
    }),
    (err: Error) => {
      assert.match(err.message, /GOVBRIDGE_SIMULATORS must be false in production/);
      assert.match(err.message, /GOVBRIDGE_SIGNING_KEYS_FILE is required in production/);
      assert.doesNotMatch(err.message, new RegExp(env['GOVBRIDGE_COOKIE_SECRET']!), 'no secret echoed');
      return true;
    },
  );
  // A purpose with neither a key file nor a key in the database: production never generates one.
  const fresh = await createDatabase('govbridge_deploy_production_fresh');
  cleanups.push(() => fresh.drop());
  const { GOVBRIDGE_LEDGER_KEYS_FILE: _ledger, ...withoutLedger } = env;
  await assert.rejects(
    startHubProcess('no ledger key', { ...withoutLedger, DATABASE_URL: fresh.url, PORT: String(port) }),
    (err: Error) => {
      assert.match(
        err.message,
        /govbridge could not start: No ledger-sig key: generated keys are refused in production; configure a key file for ledger-sig/,
      );
      return true;
    },
  );
});
