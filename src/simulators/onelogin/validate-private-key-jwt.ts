import { decodeJwt, errors, jwtVerify } from 'jose';
import type { ClientKeys } from './client-keys.ts';
import type { SimulatorContext } from './context.ts';
import type { SimulatorClient } from './types.ts';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export class TokenError extends Error {
  readonly error: string;
  readonly status: number;
  constructor(error: string, description: string, status = 400) {
    super(description);
    this.name = 'TokenError';
    this.error = error;
    this.status = status;
  }
}

/**
 * Authenticates a client by `private_key_jwt` ("Authenticate your user", "Create a JWT assertion";
 * RFC 7523 §3): RSA signature (RS256 or PS256, as the discovery document lists) by a registered key;
 * `iss` = `sub` = client_id; `aud` = the token URL or the issuer; `exp` present and in the future;
 * `jti` present and never seen before for this client (kept until the assertion expires).
 */
export async function validatePrivateKeyJwt(
  body: Record<string, string | undefined>,
  ctx: SimulatorContext,
  keys: ClientKeys,
): Promise<SimulatorClient> {
  if (body.client_assertion_type !== CLIENT_ASSERTION_TYPE || !body.client_assertion) {
    throw new TokenError('invalid_client', 'private_key_jwt client authentication is required', 401);
  }
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    unverified = decodeJwt(body.client_assertion);
  } catch {
    throw new TokenError('invalid_client', 'client_assertion is not a JWT', 401);
  }
  const clientId = unverified.sub;
  const client = typeof clientId === 'string' ? ctx.findClient(clientId) : undefined;
  if (!client || (body.client_id !== undefined && body.client_id !== clientId)) {
    throw new TokenError('invalid_client', 'Client authentication failed', 401);
  }
  try {
    const { payload } = await jwtVerify(body.client_assertion, (header) => keys.keyFor(client, header), {
      algorithms: ['RS256', 'PS256'],
      issuer: client.clientId,
      subject: client.clientId,
      audience: [ctx.urls.token, ctx.urls.issuer],
      requiredClaims: ['exp', 'jti'],
      currentDate: ctx.clock.now(),
      clockTolerance: 30,
    });
    const jti = payload.jti as string;
    const replayKey = `${client.clientId} ${jti}`;
    if (ctx.usedJtis.has(replayKey))
      throw new TokenError('invalid_client', 'client_assertion jti has already been used', 401);
    const ttl = Math.max(60, (payload.exp ?? 0) - ctx.clock.epochSeconds() + 60);
    ctx.usedJtis.set(replayKey, true, ttl);
    return client;
  } catch (err) {
    if (err instanceof TokenError) throw err;
    if (err instanceof errors.JWTExpired)
      throw new TokenError('invalid_client', 'client_assertion has expired', 401);
    if (err instanceof errors.JWTClaimValidationFailed) {
      throw new TokenError('invalid_client', `client_assertion claim ${err.claim} is not valid`, 401);
    }
    throw new TokenError('invalid_client', 'Invalid signature in private_key_jwt', 401);
  }
}
