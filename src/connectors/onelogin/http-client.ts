import { fetchUpstreamJson, type Upstream, type UpstreamJson } from '../http/index.ts';

export interface HttpClient {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly userAgent: string;
}

export type JsonResponse = UpstreamJson;

/**
 * One Login as the shared HTTP layer (`../http/`) sees it: every call carries a `User-Agent`
 * (required by One Login, "Set the User-Agent header": without it /token, /userinfo and did.json
 * answer 403), and a redirect is a failure, never followed.
 */
export function oneLoginUpstream(http: HttpClient): Upstream {
  return {
    scheme: 'onelogin',
    name: 'GOV.UK One Login',
    fetch: http.fetch,
    timeoutMs: http.timeoutMs,
    headers: { 'user-agent': http.userAgent },
    redirect: 'error',
  };
}

/**
 * One call to One Login whose answer must be JSON (span `onelogin <check>`, deadline, size limit,
 * error classes: `../http/fetch-upstream.ts`). Statuses below 500 go to the caller.
 */
export function requestJson(
  http: HttpClient,
  check: string,
  url: string,
  init: RequestInit = {},
): Promise<JsonResponse> {
  return fetchUpstreamJson(oneLoginUpstream(http), check, url, init);
}
