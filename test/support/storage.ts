import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStorage, type Storage } from '../../src/storage/index.ts';

/**
 * A fresh, real database for one test: PostgreSQL in its own schema when `DATABASE_URL` is set (CI
 * runs the suite once without and once with it), otherwise a new SQLite file. No mocks.
 */
export async function openTestStorage(): Promise<Storage & { label: string }> {
  const url = process.env['DATABASE_URL'];
  if (url) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const s = await openStorage({ databaseUrl: url, postgresSchema: schema, poolSize: 5 });
    const close = s.close;
    // Drop the test's schema when it closes, so the shared `test` database does not fill up.
    const dropAndClose = async () => {
      await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(s.db);
      await close();
    };
    return Object.assign(s, { label: `postgres:${schema}`, schema, close: dropAndClose });
  }
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-test-'));
  const s = await openStorage({ sqlitePath: join(dir, 'test.db') });
  return Object.assign(s, { label: 'sqlite' });
}

export const testDialect = (): 'postgres' | 'sqlite' => (process.env['DATABASE_URL'] ? 'postgres' : 'sqlite');
