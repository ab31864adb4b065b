export type * from './types.ts';
export { createOneLoginConnector, type OneLoginConnectorOptions } from './onelogin/index.ts';
