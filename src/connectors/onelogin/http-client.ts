import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
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
 *
 * Each call is a client span (`onelogin <check>`, ADR 17) whose W3C `traceparent` is sent to One
 * Login; the span names the check and host, never the URL's path or query.
 */
export async function requestJson(
  http: HttpClient,
  check: string,
  url: string,
  init: RequestInit = {},
): Promise<JsonResponse> {
  return trace.getTracer('govbridge').startActiveSpan(
    `onelogin ${check}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'govbridge.scheme': 'onelogin',
        'govbridge.endpoint': check,
        'http.request.method': init.method ?? 'GET',
        'server.address': hostOf(url),
      },
    },
    async (span) => {
      try {
        const result = await requestTraced(http, check, url, init);
        span.setAttribute('http.response.status_code', result.status);
        return result;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string') span.setAttribute('error.type', code);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

async function requestTraced(
  http: HttpClient,
  check: string,
  url: string,
  init: RequestInit,
): Promise<JsonResponse> {
  const traceHeaders: Record<string, string> = {};
  propagation.inject(context.active(), traceHeaders);
  let res: Response;
  try {
    res = await http.fetch(url, {
      ...init,
      headers: {
        accept: 'application/json',
        'user-agent': http.userAgent,
        ...(init.headers as Record<string, string>),
        ...traceHeaders,
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
