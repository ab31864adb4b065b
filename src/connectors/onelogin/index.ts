export { createOneLoginConnector } from './create-connector.ts';
export type { OneLoginConnectorOptions } from './runtime.ts';
