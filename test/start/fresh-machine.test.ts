import assert from 'node:assert/strict';
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHROMIUM_INSTALL } from '../support/browser.ts';

/**
 * A fresh machine (issue 10, "A fresh machine without Chromium"): the browser tests stop at once
 * with the command that installs Chromium, and `npm start` on a Node older than 24 says which
 * version it needs and how to get it.
 */
const root = join(import.meta.dirname, '..', '..');
const MISSING = join(root, 'data', 'no-such-dir', 'chromium');

/** This process's environment without what marks it as a test file (a child `node --test` run
 * with NODE_TEST_CONTEXT set refuses to run files), with `changes` applied. */
function childEnv(changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function run(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs: number },
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} still running after ${options.timeoutMs} ms:\n${output}`),
      );
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: performance.now() - started });
    });
  });
}

test('the test run checks Chromium once, first, and stops at once with the install command', async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.match(pkg.scripts['test:unit'], /--test-global-setup=test\/support\/check-chromium\.ts/);
  const result = await run(
    process.execPath,
    ['--test', '--test-global-setup=test/support/check-chromium.ts', 'test/support/browser-check.fixture.ts'],
    { env: childEnv({ GOVBRIDGE_CHROMIUM: MISSING }), timeoutMs: 20_000 },
  );
  assert.notEqual(result.code, 0, result.output);
  assert.ok(result.output.includes(CHROMIUM_INSTALL), result.output);
  assert.ok(result.output.includes(MISSING), result.output);
  assert.ok(!/ℹ tests/.test(result.output), `no test may start:\n${result.output}`);
  assert.ok(result.ms < 10_000, `took ${Math.round(result.ms)} ms`);
});

test('a browser test file run on its own fails at once with the install command', async () => {
  const result = await run(process.execPath, ['--test', 'test/support/browser-check.fixture.ts'], {
    env: childEnv({ GOVBRIDGE_CHROMIUM: MISSING }),
    timeoutMs: 20_000,
  });
  assert.notEqual(result.code, 0, result.output);
  assert.ok(result.output.includes(CHROMIUM_INSTALL), result.output);
  assert.ok(result.ms < 10_000, `took ${Math.round(result.ms)} ms`);
});

/** A Node.js older than 24 on this machine (Debian's is 20), if there is one. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    const r = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status === 0 && Number(r.stdout.split('.')[0]) < 24) return candidate;
  }
  return undefined;
}

const oldNode = olderNode();

test('npm start on a Node older than 24 names the version needed and how to get it', {
  skip: oldNode ? false : 'no Node.js older than 24 on this machine',
}, async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.scripts.start, 'node bin/start.mjs');
  const result = await run(oldNode as string, ['bin/start.mjs'], {
    env: childEnv({}),
    timeoutMs: 20_000,
  });
  assert.equal(result.code, 1, result.output);
  assert.match(result.output, /govbridge needs Node\.js 24 or newer; this is Node\.js 2?\d\./);
  assert.ok(result.output.includes('npm install --prefix "$HOME/.node24" node@24'), result.output);
  assert.ok(!result.output.includes('ERR_UNKNOWN_FILE_EXTENSION'), result.output);
});

test('npm start on Node 24 goes on to start the hub', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-start-'));
  try {
    const env = childEnv({
      PORT: '0',
      GOVBRIDGE_SQLITE_PATH: join(dir, 'hub.db'),
      DATABASE_URL: undefined,
    });
    const child = spawn(process.execPath, ['bin/start.mjs'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise((resolve) => child.on('close', resolve));
    let output = '';
    const running = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      const look = (c: Buffer) => {
        output += c.toString();
        if (output.includes('govbridge is running')) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    child.kill('SIGTERM');
    await closed;
    assert.ok(running, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
