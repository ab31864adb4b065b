import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './hub.ts';

const run = promisify(execFile);

/**
 * A throwaway PostgreSQL cluster for fault tests: `initdb` into a temporary directory, owned by and
 * run as the `postgres` user (PostgreSQL refuses to run as root), listening only on 127.0.0.1 on a
 * free port of its own, with no Unix socket in a shared place. It can be stopped (`-m fast` or
 * `-m immediate`) and started again, and is destroyed at the end. The machine's shared server on
 * 5432 is never touched.
 */
export interface PgCluster {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly dataDir: string;
  start(): Promise<void>;
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  running(): boolean;
  /** Stop (immediate) and delete everything. Safe to call twice. */
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's bin directory (Debian layout: /usr/lib/postgresql/<ver>/bin). */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error(`no PostgreSQL server binaries under ${root} (apt-get install postgresql)`);
  return join(root, versions[0], 'bin');
}

/** Run a PostgreSQL binary as the postgres user (we may be root; PostgreSQL will not run as root). */
async function asPostgres(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const { stdout } = await run(file, argv, { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } });
  return stdout;
}

export async function createPgCluster(): Promise<PgCluster> {
  const bin = postgresBin();
  const base = mkdtempSync(join(tmpdir(), 'govbridge-pg-'));
  const dataDir = join(base, 'data');
  const socketDir = join(base, 'sock');
  if (process.getuid?.() === 0) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(base, uid, gid);
  }
  chmodSync(base, 0o700);
  await asPostgres(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '--encoding=UTF8',
  ]);
  await asPostgres('mkdir', ['-p', socketDir]);
  const port = await freePort();
  // Append our settings as the postgres user would (the file is theirs).
  const conf = [
    `listen_addresses = '127.0.0.1'`,
    `port = ${port}`,
    `unix_socket_directories = '${socketDir}'`,
    'max_connections = 60',
    'fsync = off',
    'synchronous_commit = on',
    'full_page_writes = off',
    `log_min_messages = warning`,
    '',
  ].join('\n');
  const confFile = join(base, 'extra.conf');
  writeFileSync(confFile, conf);
  await asPostgres('sh', ['-c', `cat '${confFile}' >> '${join(dataDir, 'postgresql.conf')}'`]);
  const logFile = join(base, 'server.log');
  let up = false;
  let destroyed = false;

  const cluster: PgCluster = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    async start() {
      // -w: wait until it accepts connections (pg_ctl polls); -t bounds that wait.
      await asPostgres(
        join(bin, 'pg_ctl'),
        ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'],
        90_000,
      );
      up = true;
    },
    async stop(mode) {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop'], 90_000);
      up = false;
    },
    running: () => up,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      if (existsSync(join(dataDir, 'postmaster.pid'))) {
        await asPostgres(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(
          () => {},
        );
      }
      up = false;
      rmSync(base, { recursive: true, force: true });
    },
  };
  return cluster;
}
