import { randomId } from '../kernel/index.ts';
import type { Storage } from './database.ts';

/**
 * A secret shared by every process on this database (cookie signing in development, the pairwise
 * salt always), kept in `settings`: made once, race-free (insert-if-absent, then read what won).
 */
export async function persistentSecret(storage: Storage, name: string): Promise<string> {
  await storage.db
    .insertInto('settings')
    .values({ name, value: randomId(32) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await storage.db
    .selectFrom('settings')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.value;
}
