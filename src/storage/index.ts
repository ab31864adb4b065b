export {
  type Db,
  openStorage,
  type PoolStats,
  type Storage,
  type StorageCapabilities,
  type StorageOptions,
  type Tx,
} from './database.ts';
export { sqliteStartError } from './dialects/sqlite.ts';
export type * from './schema.ts';
export { persistentSecret } from './settings.ts';
export {
  classifyDatabaseError,
  type DatabaseUnavailable,
  isDatabaseUnavailable,
  type OutageLogger,
  OutageTracker,
  toDatabaseUnavailableError,
  type UnavailableReason,
} from './unavailable.ts';
