import type { Migration, MigrationProvider } from 'kysely/migration';
import * as m0001 from './0001-identity-core.ts';
import * as m0002 from './0002-login-state.ts';
import * as m0003 from './0003-client-approval-and-release-grants.ts';
import * as m0004 from './0004-journeys.ts';
import * as m0005 from './0005-journey-verified.ts';
import * as m0006 from './0006-journey-catalogue-version.ts';
import * as m0007 from './0007-notifications.ts';
import * as m0008 from './0008-ledger.ts';
import * as m0009 from './0009-demo-agency-inbox.ts';
import * as m0010 from './0010-release-withheld.ts';
import * as m0011 from './0011-release-decisions.ts';
import * as m0012 from './0012-account-sessions.ts';
import * as m0013 from './0013-report-content-key.ts';
import * as m0014 from './0014-ledger-problems-and-witnesses.ts';
import * as m0015 from './0015-operator-console.ts';

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
  '0006-journey-catalogue-version': m0006,
  '0007-notifications': m0007,
  '0008-ledger': m0008,
  '0009-demo-agency-inbox': m0009,
  '0010-release-withheld': m0010,
  '0011-release-decisions': m0011,
  '0012-account-sessions': m0012,
  '0013-report-content-key': m0013,
  '0014-ledger-problems-and-witnesses': m0014,
  '0015-operator-console': m0015,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
