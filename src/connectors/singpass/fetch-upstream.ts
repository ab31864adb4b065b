import { fetchUpstream as fetchShared, type Upstream, type UpstreamText } from '../http/index.ts';
import type { ConnectorDeps } from './types.ts';

export { parseJsonObject } from '../http/index.ts';

/** Singpass as the shared HTTP layer (`../http/`) sees it: a redirect is returned, not followed. */
export function singpassUpstream(deps: ConnectorDeps): Upstream {
  return {
    scheme: 'singpass',
    name: 'Singpass',
    fetch: deps.fetch,
    timeoutMs: deps.options.timeoutMs,
    redirect: 'manual',
  };
}

/** One call to Singpass (span `singpass <endpoint>`, deadline, size limit: `../http/fetch-upstream.ts`). */
export function fetchUpstream(
  deps: ConnectorDeps,
  endpoint: string,
  url: string,
  init: RequestInit = {},
): Promise<UpstreamText> {
  return fetchShared(singpassUpstream(deps), endpoint, url, init);
}
