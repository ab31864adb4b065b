export { configurationReference, DEVELOPMENT_KEY_ENCRYPTION_KEY, loadConfig } from './load.ts';
export type { Config } from './schema.ts';
