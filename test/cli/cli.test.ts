import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { testDialect } from '../support/storage.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'govbridge-cli-'));
const schema = `cli_${randomBytes(5).toString('hex')}`;
const env: Record<string, string> = {
  PATH: process.env['PATH'] ?? '',
  NODE_ENV: 'test',
  ...(process.env['DATABASE_URL']
    ? { DATABASE_URL: process.env['DATABASE_URL'], GOVBRIDGE_DATABASE_SCHEMA: schema }
    : { GOVBRIDGE_SQLITE_PATH: join(dir, 'cli.db') }),
};

function run(
  args: string[],
  extraEnv: Record<string, string> = {},
  script = 'src/cli/main.ts',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe(`operator CLI (${testDialect()})`, () => {
  after(async () => {
    if (process.env['DATABASE_URL']) {
      const c = new pg.Client({ connectionString: process.env['DATABASE_URL'] });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  });

  test('usage errors exit 2 with the usage text', async () => {
    const none = await run([]);
    assert.equal(none.code, 2);
    assert.match(none.stdout, /Usage: npm run cli/);
    const bad = await run(['keys', 'rotate', '--purpose', 'nonsense']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--purpose must be one of hub-sig/);
  });

  test('keys list and keys rotate: the old key stays published', async () => {
    const before = await run(['keys', 'list']);
    assert.equal(before.code, 0, before.stderr);
    const hub = before.stdout.split('\n').filter((l) => l.startsWith('hub-sig\t'));
    assert.equal(hub.length, 1);
    assert.doesNotMatch(before.stdout, /"d"/, 'no private material printed');
    const rotated = await run(['keys', 'rotate', '--purpose', 'hub-sig', '--grace-seconds', '3600']);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /New active hub-sig key/);
    const afterList = await run(['keys', 'list']);
    const lines = afterList.stdout.split('\n').filter((l) => l.startsWith('hub-sig\t'));
    assert.equal(lines.length, 2);
    assert.equal(lines.filter((l) => l.includes('\tactive')).length, 1);
    assert.equal(lines.filter((l) => l.includes('retired, published until')).length, 1);
  });

  test('clients register validates govbridge metadata and clients list shows it', async () => {
    const file = join(dir, 'client.json');
    const metadata = {
      client_id: 'hmrc-demo-service',
      client_name: 'HMRC demo',
      redirect_uris: ['https://hmrc.example.gov.uk/callback'],
      jwks: { keys: [] },
      govbridge_country: 'GB',
      govbridge_agency: 'HM Revenue & Customs (demo)',
      govbridge_purpose: 'To set up your tax account',
      govbridge_attributes: ['name', 'birthdate'],
      govbridge_min_acr: 'urn:govbridge:loa:substantial',
      govbridge_environment: 'uk-public-cloud',
    };
    writeFileSync(file, JSON.stringify(metadata));
    const ok = await run(['clients', 'register', '--file', file]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Registered hmrc-demo-service/);
    const list = await run(['clients', 'list']);
    assert.match(list.stdout, /hmrc-demo-service\tGB\tHM Revenue & Customs \(demo\)/);
    assert.match(list.stdout, /hmrc-demo-service.*\tapproved \(operator\)/);
    const again = await run(['clients', 'approve', 'hmrc-demo-service']);
    assert.match(again.stdout, /already approved/);
    const unknown = await run(['clients', 'approve', 'nobody']);
    assert.equal(unknown.code, 2);

    writeFileSync(
      file,
      JSON.stringify({ ...metadata, redirect_uris: ['http://hmrc.example.gov.uk/callback'] }),
    );
    const plainHttp = await run(['clients', 'register', '--file', file]);
    assert.equal(plainHttp.code, 1);
    assert.match(plainHttp.stderr, /must be https/);

    writeFileSync(file, JSON.stringify({ ...metadata, govbridge_country: 'FR' }));
    const bad = await run(['clients', 'register', '--file', file]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /govbridge_country must be GB or SG/);
    const missing = await run(['clients', 'register', '--file', join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /not a readable JSON file/);
  });

  test('config-docs prints the configuration reference', async () => {
    const r = await run(['config-docs']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /# Configuration reference/);
  });

  test('the server refuses production with simulators or development keys, naming the variables', async () => {
    const r = await run([], { NODE_ENV: 'production', GOVBRIDGE_SIMULATORS: 'true' }, 'src/server.ts');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /GOVBRIDGE_SIMULATORS must be false in production/);
    assert.match(r.stderr, /GOVBRIDGE_SIGNING_KEYS_FILE is required in production/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('the server refuses an invalid PORT with a clear message', async () => {
    const r = await run([], { PORT: 'abc' }, 'src/server.ts');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PORT must be a whole number \(got "abc"\)/);
  });

  test('the server starts, prints the URL to open, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['src/server.ts'], {
      cwd: ROOT,
      env: { ...env, PORT: '0', LOG_LEVEL: 'silent' },
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /open (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const health = await fetch(`${url}/readyz`);
    assert.equal(health.status, 200);
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    assert.equal(await closed, 0);
  });
});

describe('start-up refuses a broken life-events catalogue', () => {
  test('the message names the file, the path inside it and the reason', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'govbridge-catalogue-'));
    const { cpSync } = await import('node:fs');
    cpSync(join(ROOT, 'catalogue'), broken, { recursive: true });
    writeFileSync(
      join(broken, 'agencies.yaml'),
      '- id: hmrc\n  country: FR\n  name: HM Revenue & Customs\n  website: https://www.gov.uk/hmrc\n',
    );
    const child = spawn(process.execPath, ['src/server.ts'], {
      cwd: ROOT,
      env: { ...env, PORT: '0', GOVBRIDGE_CATALOGUE_DIR: broken },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /agencies\.yaml/);
    assert.match(stderr, /country/);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });
});
