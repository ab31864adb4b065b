import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { GovbridgeError, readTextLimited, UPSTREAM_MAX_BODY_BYTES } from '../../kernel/index.ts';
import { invalidResponse, type Upstream } from './upstream.ts';

export interface UpstreamText {
  /** Status and headers; the body is already read into `body`. */
  readonly response: Response;
  readonly body: string;
}

export interface UpstreamJson {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed body; undefined for an empty one. */
  readonly body: unknown;
}

/**
 * One HTTP call to a national identity provider, for both connectors:
 * - its own deadline (`AbortSignal.timeout`, body included): no answer in time is `upstream_timeout`;
 * - a network failure or a 5xx is `upstream_unavailable`;
 * - a body over `UPSTREAM_MAX_BODY_BYTES` is `upstream_invalid_response` (`check: size`);
 * - other statuses go back to the caller, which knows what the endpoint's errors mean.
 *
 * Each call is a client span (`<scheme> <check>`, ADR 17) whose W3C `traceparent` is sent upstream;
 * the span names the call and host, never the URL's path or query.
 */
export function fetchUpstream(
  upstream: Upstream,
  check: string,
  url: string,
  init: RequestInit = {},
): Promise<UpstreamText> {
  return trace.getTracer('govbridge').startActiveSpan(
    `${upstream.scheme} ${check}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'govbridge.scheme': upstream.scheme,
        'govbridge.endpoint': check,
        'http.request.method': init.method ?? 'GET',
        'server.address': hostOf(url),
      },
    },
    async (span) => {
      try {
        const result = await fetchTraced(upstream, check, url, init);
        span.setAttribute('http.response.status_code', result.response.status);
        return result;
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (err instanceof GovbridgeError) span.setAttribute('error.type', err.code);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** `fetchUpstream` for a JSON answer (`accept: application/json`); a body that is not JSON is refused. */
export async function fetchUpstreamJson(
  upstream: Upstream,
  check: string,
  url: string,
  init: RequestInit = {},
): Promise<UpstreamJson> {
  const headers = new Headers(init.headers);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  const { response, body } = await fetchUpstream(upstream, check, url, { ...init, headers });
  try {
    return {
      status: response.status,
      headers: response.headers,
      body: body === '' ? undefined : JSON.parse(body),
    };
  } catch {
    throw invalidResponse(upstream, check, `${check} response is not JSON (HTTP ${response.status})`, {
      status: response.status,
    });
  }
}

/** A JSON object, or undefined for anything else (for reading error answers leniently). */
export function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

async function fetchTraced(
  upstream: Upstream,
  check: string,
  url: string,
  init: RequestInit,
): Promise<UpstreamText> {
  const signal = AbortSignal.timeout(upstream.timeoutMs);
  const headers = new Headers(upstream.headers);
  for (const [k, v] of new Headers(init.headers)) headers.set(k, v);
  propagation.inject(context.active(), headers, { set: (h, k, v) => h.set(k, v) });
  let response: Response;
  let body: string | undefined;
  try {
    response = await upstream.fetch(url, { ...init, headers, signal, redirect: upstream.redirect });
    if (response.status >= 500) {
      await response.body?.cancel();
      throw unreachable(upstream, check, url, 'upstream_unavailable', `answered HTTP ${response.status}`, {
        status: response.status,
      });
    }
    body = await readTextLimited(response, UPSTREAM_MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof GovbridgeError) throw err;
    const timedOut = signal.aborted || (err instanceof Error && err.name === 'TimeoutError');
    throw timedOut
      ? unreachable(
          upstream,
          check,
          url,
          'upstream_timeout',
          `did not answer within ${upstream.timeoutMs} ms`,
          {
            timeoutMs: upstream.timeoutMs,
          },
          err,
        )
      : unreachable(upstream, check, url, 'upstream_unavailable', 'could not be reached', {}, err);
  }
  if (body === undefined) {
    throw invalidResponse(
      upstream,
      'size',
      `the ${check} answer is larger than ${UPSTREAM_MAX_BODY_BYTES} bytes.`,
      {
        endpoint: check,
        status: response.status,
      },
    );
  }
  return { response, body };
}

/**
 * No usable answer. `detail.check` and `detail.endpoint` name the call; `detail.url` is its origin
 * and path only (a query may hold codes or state).
 */
function unreachable(
  upstream: Upstream,
  check: string,
  url: string,
  code: 'upstream_timeout' | 'upstream_unavailable',
  what: string,
  extra: Record<string, unknown>,
  cause?: unknown,
): GovbridgeError {
  return new GovbridgeError(code, `${upstream.name} ${check} ${what}.`, {
    detail: { scheme: upstream.scheme, check, endpoint: check, url: safeUrl(url), ...extra },
    ...(cause === undefined ? {} : { cause }),
  });
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'invalid-url';
  }
}
