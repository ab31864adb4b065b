export { createSingpassConnector } from './create-singpass-connector.ts';
export type { SingpassConnectorOptions } from './types.ts';
