export { createOneLoginConnector, type OneLoginConnectorOptions } from './onelogin/index.ts';
export { createSingpassConnector, type SingpassConnectorOptions } from './singpass/index.ts';
export type * from './types.ts';
