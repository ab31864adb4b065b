export { CachedDocument, type CachePolicy, findWithRefresh } from './cached-document.ts';
export {
  fetchUpstream,
  fetchUpstreamJson,
  parseJsonObject,
  type UpstreamJson,
  type UpstreamText,
} from './fetch-upstream.ts';
export { importPublicKey } from './import-key.ts';
export { invalidResponse, type Upstream } from './upstream.ts';
