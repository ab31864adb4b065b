import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { randomId, sha256b64u } from '../../kernel/index.ts';
import { formBody } from './authorize-controller.ts';
import type { ClientKeys } from './client-keys.ts';
import type { SimulatorContext } from './context.ts';
import { createIdToken } from './create-id-token.ts';
import { pairwiseSub } from './pairwise-sub.ts';
import { TokenError, validatePrivateKeyJwt } from './validate-private-key-jwt.ts';

/** "Receive response for 'Make a token request'": `expires_in: 180`. */
const ACCESS_TOKEN_TTL_SECONDS = 180;

/**
 * POST /token ("Make a token request"). Rules: scenario `down` answers 503 and `slow` waits first;
 * `grant_type=authorization_code`; private_key_jwt (validate-private-key-jwt.ts); the code exists,
 * is unexpired, unused (a second use fails with `invalid_grant`), was issued to this client and
 * this `redirect_uri`; PKCE: with a `code_challenge` on the request, `code_verifier` must be sent
 * and its S256 must match (RFC 7636 §4.6).
 */
export function registerTokenRoutes(app: FastifyInstance, ctx: SimulatorContext, keys: ClientKeys): void {
  app.post('/token', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const body = formBody(req.body);
    const peek = body.code === undefined ? undefined : ctx.codes.get(body.code);
    const scenario = peek?.scenario ?? ctx.defaultScenario;
    if (scenario === 'down') {
      return reply
        .code(503)
        .send({ error: 'temporarily_unavailable', error_description: 'Service unavailable' });
    }
    if (scenario === 'slow') {
      await delay(ctx.slowDelayMs, undefined, { signal: ctx.closing.signal }).catch(() => undefined);
    }
    try {
      if (body.grant_type !== 'authorization_code')
        throw new TokenError('unsupported_grant_type', 'Unsupported grant_type');
      const client = await validatePrivateKeyJwt(body, ctx, keys);
      const code = body.code === undefined ? undefined : ctx.codes.get(body.code);
      if (!code || code.used)
        throw new TokenError('invalid_grant', 'Invalid or already used authorization code');
      code.used = true;
      if (code.request.clientId !== client.clientId)
        throw new TokenError('invalid_grant', 'Code was issued to another client');
      if (code.request.redirectUri !== body.redirect_uri)
        throw new TokenError('invalid_grant', 'redirect_uri does not match');
      const challenge = code.request.codeChallenge;
      if (
        challenge !== undefined &&
        (body.code_verifier === undefined || sha256b64u(body.code_verifier) !== challenge)
      ) {
        throw new TokenError('invalid_grant', 'PKCE verification failed');
      }
      const sub = pairwiseSub(client.clientId, code.personaId);
      const accessToken = randomId();
      ctx.accessTokens.set(accessToken, { code, sub }, ACCESS_TOKEN_TTL_SECONDS);
      const idToken = await createIdToken(ctx, client, code, sub, accessToken);
      return reply.send({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_TTL_SECONDS,
        id_token: idToken,
      });
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      return reply.code(err.status).send({ error: err.error, error_description: err.message });
    }
  });
}
