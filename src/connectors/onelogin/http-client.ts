import { readTextLimited, UPSTREAM_MAX_BODY_BYTES } from '../../kernel/index.ts';
import { invalidResponse, upstreamTimeout, upstreamUnavailable } from './connector-error.ts';

export interface HttpClient {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly userAgent: string;
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/**
 * Every call to One Login goes through here: a `User-Agent` (required by One Login, "Set the
 * User-Agent header": without it /token, /userinfo and did.json answer 403), a timeout through
 * `AbortSignal.timeout` (→ `upstream_timeout`), network failures and 5xx as `upstream_unavailable`,
 * and a body that must be JSON (→ `upstream_invalid_response`). Other statuses go to the caller.
 */
export async function requestJson(
  http: HttpClient,
  check: string,
  url: string,
  init: RequestInit = {},
): Promise<JsonResponse> {
  let res: Response;
  try {
    res = await http.fetch(url, {
      ...init,
      headers: {
        accept: 'application/json',
        'user-agent': http.userAgent,
        ...(init.headers as Record<string, string>),
      },
      redirect: 'error',
      signal: AbortSignal.timeout(http.timeoutMs),
    });
  } catch (err) {
    if (isTimeout(err)) throw upstreamTimeout(check, url, http.timeoutMs);
    throw upstreamUnavailable(check, url);
  }
  if (res.status >= 500) {
    await res.body?.cancel();
    throw upstreamUnavailable(check, url, res.status);
  }
  let text: string | undefined;
  try {
    text = await readTextLimited(res, UPSTREAM_MAX_BODY_BYTES);
  } catch (err) {
    if (isTimeout(err)) throw upstreamTimeout(check, url, http.timeoutMs);
    throw upstreamUnavailable(check, url);
  }
  if (text === undefined) {
    throw invalidResponse(check, `${check} response is larger than ${UPSTREAM_MAX_BODY_BYTES} bytes`, {
      status: res.status,
    });
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw invalidResponse(check, `${check} response is not JSON (HTTP ${res.status})`, {
      status: res.status,
    });
  }
  return { status: res.status, headers: res.headers, body };
}

function isTimeout(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError');
}
