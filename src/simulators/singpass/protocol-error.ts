import type { FastifyReply } from 'fastify';

/**
 * An OAuth error response (RFC 6749 §5.2; RFC 9126 §2.3; RFC 9449 §7.1). The simulator answers
 * like Singpass would: a JSON body `{error, error_description}` and the status the spec names.
 */
export class OAuthError extends Error {
  readonly error: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(error: string, description: string, status = 400, headers: Record<string, string> = {}) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = status;
    this.headers = headers;
  }
}

export function sendOAuthError(reply: FastifyReply, err: OAuthError): FastifyReply {
  return reply
    .code(err.status)
    .headers({ 'cache-control': 'no-store', ...err.headers })
    .send({ error: err.error, error_description: err.message });
}
