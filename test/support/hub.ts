import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { type BuiltApp, buildApp } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';

/** A free TCP port on loopback (the hub's public URL must be known before it listens). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface TestHub extends BuiltApp {
  url: string;
  env: Record<string, string>;
}

/**
 * The whole hub, as `npm start` builds it (simulators and demo services included), listening on
 * loopback, on SQLite or — when DATABASE_URL is set — in a fresh PostgreSQL schema.
 */
export async function startTestHub(
  extraEnv: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestHub> {
  const port = extraEnv['PORT'] ? Number(extraEnv['PORT']) : await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    ...extraEnv,
  };
  if (process.env['DATABASE_URL']) {
    env['DATABASE_URL'] = process.env['DATABASE_URL'];
    env['GOVBRIDGE_DATABASE_SCHEMA'] ??= `e2e_${randomBytes(5).toString('hex')}`;
  } else {
    env['GOVBRIDGE_SQLITE_PATH'] ??= join(mkdtempSync(join(tmpdir(), 'govbridge-e2e-')), 'hub.db');
  }
  const config = loadConfig(env);
  const built = await buildApp(config, options.logger ? { logger: options.logger } : {});
  await built.app.listen({ host: '127.0.0.1', port });
  const close = built.close;
  return Object.assign(built, {
    url: config.publicUrl,
    env,
    async close() {
      await close();
      const schema = env['GOVBRIDGE_DATABASE_SCHEMA'];
      if (schema && env['DATABASE_URL']) {
        const client = new pg.Client({ connectionString: env['DATABASE_URL'] });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    },
  });
}
