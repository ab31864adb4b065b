import type { Migration, MigrationProvider } from 'kysely/migration';
import * as m0001 from './0001-identity-core.ts';

/**
 * Versioned migrations, in order. Never edit a migration that has shipped: add the next one.
 * Named by number so the order is the file order.
 */
const migrations: Record<string, Migration> = {
  '0001-identity-core': m0001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
