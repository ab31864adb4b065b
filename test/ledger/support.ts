import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { TestBrowser } from '../support/http.ts';
import type { TestHub } from '../support/hub.ts';

/**
 * Helpers for the transparency-ledger tests: a citizen who signs in to a demo service through the hub
 * (so that a release is logged), and the operator CLI run as a separate process.
 */
const ROOT = new URL('../../', import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run cli -- …` as a child process, with `env` (a hub's env selects its database). */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI failed the way a person should see: exit 1, one line on stderr, no stack trace. */
export function assertOneLineFailure(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

/**
 * Sign in to a demo service (`uk`, `abroad`: Singpass persona; `sg`: One Login persona) and agree to share:
 * the hub releases claims, logs the release, and leaves the browser signed in to the hub's own pages.
 */
export async function signInThroughDemo(
  hub: TestHub,
  slug: 'uk' | 'sg' | 'abroad',
  persona: string,
  b = new TestBrowser(),
): Promise<TestBrowser> {
  const consent = await b.follow(`${hub.url}/demo/${slug}/sign-in?login_hint=${encodeURIComponent(persona)}`);
  const html = await consent.res.text();
  assert.match(consent.url, /\/consent$/, b.visited.join('\n'));
  const done = await b.submit(consent.url, html, '/consent', { decision: 'agree' });
  await done.res.arrayBuffer();
  assert.match(done.url, new RegExp(`/demo/${slug}/`), b.visited.join('\n'));
  return b;
}

/** The hub account of the citizen whose release went to `clientId` last. */
export async function accountOfLatestRelease(hub: TestHub, clientId: string): Promise<string> {
  const row = await hub.ctx.storage.db
    .selectFrom('releases')
    .select(['account_id'])
    .where('client_id', '=', clientId)
    .orderBy('released_at', 'desc')
    .executeTakeFirst();
  assert.ok(row, `a release to ${clientId}`);
  return row.account_id;
}

/** A Tell Us Once move abroad, as the report pages submit it. */
export const MOVE_FIELDS = {
  name: 'TEO KAI MING DANIEL',
  birthdate: '1979-08-22',
  nationalities: ['SG'],
  date_of_move: '2026-06-01',
  from_country: 'SG',
  to_country: 'GB',
  previous_address: '10 Anson Road, #20-01, Singapore 079903',
  new_address: '1 Horse Guards Road, London SW1A 2HQ',
  email: 'daniel@example.sg',
};
