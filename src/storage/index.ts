export {
  type Db,
  openStorage,
  type Storage,
  type StorageCapabilities,
  type StorageOptions,
  type Tx,
} from './database.ts';
export type * from './schema.ts';
