import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  children,
  confirmedReportId,
  FAULT_AGENCIES,
  type HubProcess,
  prepareReport,
  serviceLogin,
  startHubProcess,
  stopHubProcess,
} from '../faults/support.ts';
import { cli } from '../ledger/support.ts';
import { send, testAgency } from '../reports/support.ts';
import { getPage } from '../support/http.ts';
import { freePort, type TestHub } from '../support/hub.ts';
import { newKey, TestRp } from '../support/rp.ts';
import { createDatabase, kek, operatorHub, query, tempDir } from './support.ts';

/**
 * docs/deploy.md "Backups and restore", tested with the exact commands the guide gives. A hub process
 * on a new PostgreSQL database; a citizen signs in at a service (a release, so a ledger entry) and
 * sends a Tell Us Once report (one notification per agency, each a ledger entry); a checkpoint is
 * signed and the citizen downloads a receipt. Then, while the hub runs: `pg_dump --format=custom`,
 * `pg_restore` into a new database, `npm run cli -- ledger verify` on the restore, the hub stopped and
 * started again on the restore with the same settings: it serves, the citizen's session and
 * releases are there, a new login works, and the receipt from before the backup still verifies
 * against the restored hub's log (`ledger verify-receipt --log`).
 */

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

test('pg_dump and pg_restore of a hub database: ledger verify passes on the restore, a hub on it serves, a receipt from before the backup verifies', {
  timeout: 240_000,
}, async () => {
  const dir = tempDir('backup');
  const original = await createDatabase('govbridge_deploy_backup');
  cleanups.push(() => original.drop());
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  // What a restore needs besides the dump (docs/deploy.md): the same public URL (it names the
  // ledger), the same key-encryption key (it unseals the keys in the database), the same cookie secret.
  const settings: Record<string, string> = {
    NODE_ENV: 'test',
    GOVBRIDGE_PUBLIC_URL: publicUrl,
    GOVBRIDGE_KEY_ENCRYPTION_KEY: kek(),
    GOVBRIDGE_COOKIE_SECRET: kek(),
    GOVBRIDGE_DEMO_SERVICES: 'false',
    GOVBRIDGE_LEDGER_CHECKPOINT_MS: '500',
    GOVBRIDGE_NOTIFICATION_POLL_MS: '100',
  };

  // The operator registers a service and two agencies (as the CLI would).
  const operator: TestHub = await operatorHub({
    ...settings,
    DATABASE_URL: original.url,
    GOVBRIDGE_SIMULATORS: 'false',
    GOVBRIDGE_NOTIFICATION_WORKER: 'false',
  });
  cleanups.push(() => operator.close());
  for (const a of FAULT_AGENCIES) {
    const r = await testAgency(
      operator,
      a.id,
      a.subscriptions.map((s) => ({ eventType: s.eventType, attributes: [...s.attributes] })),
      a.extra,
    );
    cleanups.push(() => r.close());
  }
  const rpKey = await newKey();
  const clientId = 'rp-backup';
  const redirectUri = `https://${clientId}.rp.example/callback`;
  await operator.ctx.clients.register(TestRp.metadata({}, rpKey, clientId, redirectUri));

  const hubEnv = { ...settings, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' };
  let hub: HubProcess = await startHubProcess('before', { ...hubEnv, DATABASE_URL: original.url });
  cleanups.push(() => stopHubProcess(hub));
  const rp = new TestRp({ url: publicUrl } as TestHub, clientId, redirectUri, rpKey, await newKey());

  // A release to a service, and a Tell Us Once report, by the same citizen.
  await serviceLogin(rp);
  const { b: citizen, check } = await prepareReport(publicUrl, 1);
  const sent = await send(citizen, check);
  const reportId = confirmedReportId(sent);
  assert.ok(reportId, `the report was sent: ${sent.status} ${sent.url}`);
  const entries = await ledgerSize(original.url);
  assert.ok(entries >= 3, `a release and two notifications in the ledger: ${entries}`);
  await checkpointCovers(publicUrl, entries);

  // The citizen's receipt for their release to the service, before the backup.
  const releases = await getPage(citizen, publicUrl, '/account/releases');
  const index = /\/account\/releases\/(\d+)\/receipt/.exec(releases.html)?.[1];
  assert.ok(index, 'a receipt link on the releases page');
  const download = await citizen.request(`${publicUrl}/account/releases/${index}/receipt`);
  assert.equal(download.status, 200);
  const receiptFile = join(dir, `govbridge-receipt-${index}.json`);
  writeFileSync(receiptFile, await download.text());
  const verifierKey = await (await fetch(`${publicUrl}/ledger/verifier-key`)).text();

  // The backup, taken while the hub runs (pg_dump reads one consistent snapshot).
  const dump = join(dir, 'govbridge.dump');
  execFileSync('pg_dump', ['--format=custom', '--file', dump, original.url], { stdio: 'pipe' });

  // Restore into a new, empty database.
  const restored = await createDatabase('govbridge_deploy_restored');
  cleanups.push(() => restored.drop());
  execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restored.url, dump], {
    stdio: 'pipe',
  });
  assert.equal(await ledgerSize(restored.url), entries);
  const reports = await query<{ n: string }>(
    restored.url,
    `SELECT count(*) AS n FROM reports WHERE report_id = '${reportId}'`,
  );
  assert.equal(Number(reports[0]?.n), 1, 'the report is in the restore');

  // `npm run cli -- ledger verify` on the restore (the same settings as the hub).
  const verify = await cli(['ledger', 'verify'], { ...settings, DATABASE_URL: restored.url });
  assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
  assert.match(verify.stdout, new RegExp(`Ledger 127\\.0\\.0\\.1/ledger: ok — ${entries} entries`));
  assert.equal(verify.stderr, '');
  // Without the key-encryption key the dump is of no use: the keys in it cannot be unsealed.
  const wrongKey = await cli(['ledger', 'verify'], {
    ...settings,
    DATABASE_URL: restored.url,
    GOVBRIDGE_KEY_ENCRYPTION_KEY: kek(),
  });
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.stderr, /Sealed value failed authentication \(wrong key or tampered\)/);

  // The hub stopped, and started on the restore with the same settings and public URL.
  await stopHubProcess(hub);
  hub = await startHubProcess('restored', { ...hubEnv, DATABASE_URL: restored.url });
  const ready = await fetch(`${publicUrl}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(
    await (await fetch(`${publicUrl}/ledger/verifier-key`)).text(),
    verifierKey,
    'the same ledger key',
  );
  // The citizen's session from before the backup is in the restore: their releases page lists the
  // same entry.
  const again = await getPage(citizen, publicUrl, '/account/releases');
  assert.equal(again.status, 200);
  assert.match(again.html, new RegExp(`/account/releases/${index}/receipt`));
  // A new login on the restored hub, so its log grows past the backup.
  await serviceLogin(rp);
  await checkpointCovers(publicUrl, entries + 1);

  // The receipt from before the backup: offline, and against the restored hub's log.
  const receipt = await cli([
    'ledger',
    'verify-receipt',
    receiptFile,
    '--key',
    verifierKey,
    '--log',
    publicUrl,
  ]);
  assert.equal(receipt.code, 0, `${receipt.stdout}\n${receipt.stderr}`);
  assert.match(receipt.stdout, new RegExp(`Receipt OK: entry ${index} is in the log`));
  assert.match(receipt.stdout, /Log OK: the log has only grown since/);
  assert.equal(hub.exits.length, 0, hub.output());
});

async function ledgerSize(url: string): Promise<number> {
  const rows = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM ledger_entries');
  return Number(rows[0]?.n);
}

/** Wait (bounded) until the hub's latest signed checkpoint covers `size` entries. */
async function checkpointCovers(hubUrl: string, size: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  for (;;) {
    const res = await fetch(`${hubUrl}/ledger/checkpoint`);
    last = await res.text();
    if (res.status === 200 && Number(last.split('\n')[1]) >= size) return;
    if (Date.now() > deadline) throw new Error(`no checkpoint of size ${size} after 20 s; latest:\n${last}`);
    await sleep(100);
  }
}
