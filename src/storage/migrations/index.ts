import type { Migration, MigrationProvider } from 'kysely/migration';
import * as m0001 from './0001-identity-core.ts';
import * as m0002 from './0002-login-state.ts';
import * as m0003 from './0003-client-approval-and-release-grants.ts';
import * as m0004 from './0004-journeys.ts';
import * as m0005 from './0005-journey-verified.ts';

/**
 * Versioned migrations, in order. Never edit a migration that has shipped: add the next one.
 * Named by number so the order is the file order.
 */
const migrations: Record<string, Migration> = {
  '0001-identity-core': m0001,
  '0002-login-state': m0002,
  '0003-client-approval-and-release-grants': m0003,
  '0004-journeys': m0004,
  '0005-journey-verified': m0005,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
