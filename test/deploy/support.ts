import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type BuiltApp, buildApp } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { TestHub } from '../support/hub.ts';

/**
 * What the deployment tests share: a PostgreSQL database of their own on the machine's server (created
 * and dropped, never the shared `test` database), the hub's composition root in the test's process to
 * prepare that database (clients, agencies) as an operator would with the CLI, and nginx run from a
 * configuration of its own in a temporary directory, as a child process (no system service).
 * The hub processes themselves are started with test/faults/support.ts.
 */

export const ROOT = resolve(import.meta.dirname, '../..');

/** The PostgreSQL server the tests use: DATABASE_URL's when set (CI), else the machine's default. */
export function serverUrl(database: string): string {
  const u = new URL(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  u.pathname = `/${database}`;
  return u.toString();
}

/** A new, empty database; `drop()` removes it (closing whatever is still connected). */
export async function createDatabase(
  prefix: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  return { name, url: serverUrl(name), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl('postgres') });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** One query on `url` (a database the test owns). */
export async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The hub's composition root in this process, on the given environment (not listening): it migrates
 * the database and is used to register clients and agencies, as `npm run cli` would.
 */
export async function operatorHub(env: Record<string, string>): Promise<TestHub> {
  const full = { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env };
  const built: BuiltApp = await buildApp(loadConfig(full));
  return Object.assign(built, { url: loadConfig(full).publicUrl, env: full });
}

/** A random value for GOVBRIDGE_KEY_ENCRYPTION_KEY (32 bytes, base64url) or a cookie secret. */
export const kek = () => randomBytes(32).toString('base64url');

// ---- nginx -------------------------------------------------------------------------------------

export const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx executable, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  return NGINX_CANDIDATES.find((p) => existsSync(p));
}

export const NGINX_EXAMPLE = join(ROOT, 'examples/deploy/nginx/govbridge.conf');

/** Replace each `from` in `text`, failing when one is missing (so a changed example is noticed). */
export function substitute(text: string, pairs: ReadonlyArray<readonly [string, string]>): string {
  let out = text;
  for (const [from, to] of pairs) {
    if (!out.includes(from)) throw new Error(`the nginx example no longer contains ${JSON.stringify(from)}`);
    out = out.split(from).join(to);
  }
  return out;
}

/** A self-signed certificate for 127.0.0.1 (ECDSA P-256, one day), made with openssl. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export interface Nginx {
  dir: string;
  accessLog: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * nginx with `site` (server and upstream blocks, as in the example) inside a minimal main
 * configuration: its own prefix, pid file, logs and temporary directories under a new temporary
 * directory, in the foreground (`daemon off`), checked with `nginx -t` first. Resolves once
 * `port` accepts connections.
 */
export async function startNginx(nginx: string, dir: string, site: string, port: number): Promise<Nginx> {
  // Worker processes run as `nobody` when the master runs as root: they must reach the temporary
  // directories.
  chmodSync(dir, 0o755);
  for (const sub of ['logs', 'tmp', 'tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) {
    mkdirSync(join(dir, sub), { recursive: true });
    chmodSync(join(dir, sub), 0o777);
  }
  writeFileSync(join(dir, 'govbridge.conf'), site);
  const main = `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    include ${dir}/govbridge.conf;
}
`;
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, main);
  const args = ['-p', dir, '-c', conf, '-e', join(dir, 'logs/error.log')];
  try {
    execFileSync(nginx, [...args, '-t', '-q'], { stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer };
    throw new Error(`nginx -t refused the configuration:\n${e.stderr?.toString() ?? String(err)}`);
  }
  const child = spawn(nginx, [...args, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`nginx exited:\n${out}\n${errorLog(dir)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx not listening on ${port} after 15 s:\n${out}\n${errorLog(dir)}`);
    }
    await sleep(50);
  }
  return {
    dir,
    accessLog: join(dir, 'logs/access.log'),
    child,
    output: () => `${out}\n${errorLog(dir)}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function errorLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'logs/error.log'), 'utf8');
  } catch {
    return '';
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      r(true);
    });
    s.once('error', () => r(false));
  });
}

/** A new temporary directory for one test. */
export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `govbridge-${name}-`));

/** The access log's JSON lines (the example's `govbridge` format). */
export interface AccessLine {
  time: string;
  method: string;
  path: string;
  status: number;
  upstream: string;
  upstream_status: string;
}

export function readAccessLog(file: string): AccessLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AccessLine);
}
