import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { GovbridgeError, readTextLimited, UPSTREAM_MAX_BODY_BYTES } from '../../kernel/index.ts';
import type { ConnectorDeps } from './types.ts';

/**
 * One HTTP call to Singpass with its own deadline (`AbortSignal.timeout`). No answer in time is
 * `upstream_timeout`; a network failure or a 5xx is `upstream_unavailable`. 4xx answers are returned
 * to the caller, which knows what the endpoint's errors mean.
 *
 * Each call is a client span (`singpass <endpoint>`, ADR 17) whose W3C `traceparent` is sent to
 * Singpass; the span names the endpoint and host, never the URL's path or query.
 */
export async function fetchUpstream(
  deps: ConnectorDeps,
  endpoint: string,
  url: string,
  init: RequestInit = {},
): Promise<{ response: Response; body: string }> {
  return trace.getTracer('govbridge').startActiveSpan(
    `singpass ${endpoint}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'govbridge.scheme': 'singpass',
        'govbridge.endpoint': endpoint,
        'http.request.method': init.method ?? 'GET',
        'server.address': hostOf(url),
      },
    },
    async (span) => {
      try {
        const result = await fetchTraced(deps, endpoint, url, init);
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

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

async function fetchTraced(
  deps: ConnectorDeps,
  endpoint: string,
  url: string,
  init: RequestInit,
): Promise<{ response: Response; body: string }> {
  const signal = AbortSignal.timeout(deps.options.timeoutMs);
  const headers = new Headers(init.headers);
  propagation.inject(context.active(), headers, { set: (h, k, v) => h.set(k, v) });
  try {
    const response = await deps.fetch(url, { ...init, headers, signal, redirect: 'manual' });
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new GovbridgeError(
        'upstream_unavailable',
        `Singpass ${endpoint} answered HTTP ${response.status}.`,
        {
          detail: { scheme: 'singpass', endpoint, status: response.status },
        },
      );
    }
    const body = await readTextLimited(response, UPSTREAM_MAX_BODY_BYTES);
    if (body === undefined) {
      throw new GovbridgeError(
        'upstream_invalid_response',
        `Singpass ${endpoint} answered with more than ${UPSTREAM_MAX_BODY_BYTES} bytes.`,
        { detail: { scheme: 'singpass', endpoint, check: 'size' } },
      );
    }
    return { response, body };
  } catch (err) {
    if (err instanceof GovbridgeError) throw err;
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || signal.aborted);
    if (timedOut) {
      throw new GovbridgeError(
        'upstream_timeout',
        `Singpass ${endpoint} did not answer within ${deps.options.timeoutMs} ms.`,
        { detail: { scheme: 'singpass', endpoint, timeoutMs: deps.options.timeoutMs }, cause: err },
      );
    }
    throw new GovbridgeError('upstream_unavailable', `Singpass ${endpoint} could not be reached.`, {
      detail: { scheme: 'singpass', endpoint },
      cause: err,
    });
  }
}

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
