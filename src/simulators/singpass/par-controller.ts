import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomId } from '../../kernel/index.ts';
import { REQUEST_URI_PREFIX, type SimulatorContext } from './create-simulator-context.ts';
import { OAuthError, sendOAuthError } from './protocol-error.ts';
import { validateAuthorizationRequest } from './validate-authorization-request.ts';
import { verifyClientAssertion } from './verify-client-assertion.ts';
import { verifyDpopProof } from './verify-dpop-proof.ts';

/**
 * Pushed authorization request (RFC 9126 §2), FAPI profile only. Rules enforced:
 * - the client authenticates with `private_key_jwt` (`aud` = the FAPI issuer);
 * - no `request_uri` inside the push (RFC 9126 §2.1);
 * - DPoP: a proof in the `DPoP` header or `dpop_jkt` in the body, and they agree when both are
 *   sent (RFC 9449 §10); the code is then bound to that key;
 * - the request itself passes `validateAuthorizationRequest`;
 * - answer 201 `{request_uri, expires_in}`; the `request_uri` is good once, for ~60 s.
 */
export function parController(ctx: SimulatorContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const body = formBody(request.body);
      const clientId = await verifyClientAssertion(body, {
        issuer: ctx.issuer('fapi'),
        keys: ctx.clientKeys,
        clock: ctx.clock,
        seenJtis: ctx.clientAssertionJtis,
      });
      if (body.has('request_uri'))
        throw new OAuthError('invalid_request', 'request_uri is not allowed in a push');
      let jkt = body.get('dpop_jkt') ?? undefined;
      const proof = request.headers.dpop;
      if (proof !== undefined) {
        const proven = await verifyDpopProof(
          { proof, htm: 'POST', htu: ctx.endpoint('fapi', 'par'), nonce: ctx.dpopNonce() },
          ctx.clock,
          ctx.dpopJtis,
        );
        if (jkt !== undefined && jkt !== proven)
          throw new OAuthError('invalid_dpop_proof', 'dpop_jkt differs from the DPoP proof key');
        jkt = proven;
      }
      if (jkt === undefined) throw new OAuthError('invalid_request', 'a DPoP proof or dpop_jkt is required');
      const client = ctx.clientKeys.client(clientId);
      if (client === undefined) throw new OAuthError('invalid_client', 'unknown client', 401);
      const id = randomId(24);
      ctx.pushed.set(
        id,
        validateAuthorizationRequest(body, client, 'fapi', id, jkt, ctx.scopesSupported),
        ctx.requestUriTtlSeconds,
      );
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ request_uri: `${REQUEST_URI_PREFIX}${id}`, expires_in: ctx.requestUriTtlSeconds });
    } catch (err) {
      if (err instanceof OAuthError) return sendOAuthError(reply, err);
      throw err;
    }
  };
}

export function formBody(body: unknown): URLSearchParams {
  if (body instanceof URLSearchParams) return body;
  throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
}
