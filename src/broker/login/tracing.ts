import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { isGovbridgeError, sha256b64u } from '../../kernel/index.ts';

/**
 * The login's steps as spans (ADR 17): children of the request's span, parents of the calls to the
 * national scheme. Attributes are identifiers of the hub's own (scheme, the relying party's client
 * id, the login reference below) and, on failure, the error's stable code; never personal data,
 * tokens, states or the interaction id itself.
 */
export function loginSpan<T>(name: string, scheme: string, fn: () => Promise<T>): Promise<T> {
  return trace
    .getTracer('govbridge')
    .startActiveSpan(name, { attributes: { 'govbridge.scheme': scheme } }, async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (isGovbridgeError(err)) span.setAttribute('error.type', err.code);
        throw err;
      } finally {
        span.end();
      }
    });
}

/**
 * Tag the active login step with the login it belongs to: `govbridge.login`, a digest of the
 * interaction id (the same for every browser request of one login, and of no use to open it), and
 * the relying party's client id. One search on `govbridge.login` finds the login's traces.
 */
export function tagLogin(interactionUid: string, clientId?: string): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttribute('govbridge.login', sha256b64u(`login:${interactionUid}`).slice(0, 22));
  if (clientId) span.setAttribute('govbridge.client_id', clientId);
}

/**
 * The transaction kept (sealed) with the upstream login, plus the W3C `traceparent` of the active
 * span (`login.start`): the callback, a later browser request with a trace of its own, links to it.
 */
export function withStartTrace<T extends object>(transaction: T): T {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const traceparent = carrier['traceparent'];
  return traceparent ? { ...transaction, startTrace: traceparent } : transaction;
}

/** What `withStartTrace` kept, to carry on into the login's result (the consent step links too). */
export function startTraceOf(saved: unknown): { startTrace?: string } {
  const startTrace = (saved as { startTrace?: unknown } | null)?.startTrace;
  return typeof startTrace === 'string' ? { startTrace } : {};
}

/**
 * Link the active login step to the `login.start` span of the same login (a span link: the login's
 * requests are separate traces, one per request, and the links join them into one login).
 */
export function linkToStart(saved: unknown): void {
  const { startTrace } = startTraceOf(saved);
  const span = trace.getActiveSpan();
  if (!startTrace || !span) return;
  const started = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: startTrace }));
  if (started && trace.isSpanContextValid(started)) {
    span.addLink({ context: started, attributes: { 'govbridge.link': 'login.start' } });
  }
}

/**
 * Run one later step of a login in the login's own trace (ADR 17, amended): a span `name` whose parent
 * is the `login.start` span kept with the login, linked back to the browser request that runs it.
 * Everything inside — the calls to the national scheme, the release — is then one trace per login,
 * while each browser request keeps its own trace (whose step span links to `login.start`). Without a
 * kept `login.start` (tracing off when the login began), `fn` runs in the request's trace as before.
 */
export function inLoginTrace<T>(
  saved: unknown,
  name: string,
  scheme: string,
  fn: () => Promise<T>,
): Promise<T> {
  const { startTrace } = startTraceOf(saved);
  const started = startTrace
    ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: startTrace }))
    : undefined;
  if (!started || !trace.isSpanContextValid(started)) return fn();
  const request = trace.getActiveSpan()?.spanContext();
  return trace.getTracer('govbridge').startActiveSpan(
    name,
    {
      attributes: { 'govbridge.scheme': scheme },
      links:
        request && trace.isSpanContextValid(request)
          ? [{ context: request, attributes: { 'govbridge.link': 'request' } }]
          : [],
    },
    trace.setSpanContext(context.active(), started),
    async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (isGovbridgeError(err)) span.setAttribute('error.type', err.code);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
