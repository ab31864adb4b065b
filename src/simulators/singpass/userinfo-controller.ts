import type { FastifyReply, FastifyRequest } from 'fastify';
import { sha256b64u } from '../../kernel/index.ts';
import { personInfoOf } from './build-claims.ts';
import type { SimulatorContext } from './create-simulator-context.ts';
import { findPersona } from './personas.ts';
import { OAuthError, sendOAuthError } from './protocol-error.ts';
import { effectsOf } from './scenarios.ts';
import { sealJwt } from './seal-jwt.ts';
import type { SingpassProfile } from './types.ts';
import { verifyDpopProof } from './verify-dpop-proof.ts';

/**
 * Userinfo (OIDC Core §5.3) returning Myinfo as a JWS in a JWE (`application/jwt`).
 * FAPI: `Authorization: DPoP <token>` with a proof carrying `ath`, from the key the token is bound
 * to (RFC 9449 §7); claims `{iss, sub, aud, iat, person_info: {…}}`.
 * Legacy: `Authorization: Bearer <token>`; the Myinfo attributes sit at the top level beside `sub`.
 */
export function userinfoController(ctx: SimulatorContext, profile: SingpassProfile) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const scheme = profile === 'fapi' ? 'DPoP' : 'Bearer';
      const match = new RegExp(`^${scheme} ([A-Za-z0-9._~+/-]+=*)$`).exec(
        request.headers.authorization ?? '',
      );
      const challenge = { 'www-authenticate': `${scheme} error="invalid_token"` };
      if (match === null)
        throw new OAuthError('invalid_token', `a ${scheme} access token is required`, 401, challenge);
      const token = match[1]!;
      const issued = ctx.accessTokens.peek(sha256b64u(token));
      if (issued === undefined || issued.profile !== profile) {
        throw new OAuthError(
          'invalid_token',
          'the access token is unknown, expired or revoked',
          401,
          challenge,
        );
      }
      if (profile === 'fapi') {
        const jkt = await verifyDpopProof(
          {
            proof: request.headers.dpop,
            htm: request.method,
            htu: ctx.endpoint('fapi', 'userinfo'),
            accessToken: token,
            nonce: ctx.dpopNonce(),
            atResource: true,
          },
          ctx.clock,
          ctx.dpopJtis,
        );
        if (jkt !== issued.dpopJkt)
          throw new OAuthError('invalid_token', 'the DPoP key is not the token key', 401, challenge);
      }
      const persona = findPersona(issued.personaId)!;
      const person = personInfoOf(persona, issued.scopes);
      const base = {
        iss: ctx.issuer(profile),
        sub: issued.subject,
        aud: issued.clientId,
        iat: ctx.clock.epochSeconds(),
      };
      const claims = profile === 'fapi' ? { ...base, person_info: person } : { ...person, ...base };
      return reply
        .type('application/jwt')
        .header('cache-control', 'no-store')
        .send(
          await sealJwt(ctx, issued.clientId, claims, false, effectsOf(issued.scenario).contentEncryption),
        );
    } catch (err) {
      if (err instanceof OAuthError) return sendOAuthError(reply, err);
      throw err;
    }
  };
}
