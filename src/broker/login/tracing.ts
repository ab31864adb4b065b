import { SpanStatusCode, trace } from '@opentelemetry/api';
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
