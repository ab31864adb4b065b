import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomId, sha256b64u } from '../../kernel/index.ts';
import { subAttributesOf, subjectOf } from './build-claims.ts';
import type { SimulatorContext } from './create-simulator-context.ts';
import { formBody } from './par-controller.ts';
import { findPersona } from './personas.ts';
import { OAuthError, sendOAuthError } from './protocol-error.ts';
import { effectsOf } from './scenarios.ts';
import { sealJwt } from './seal-jwt.ts';
import type { IssuedCode, SingpassProfile } from './types.ts';
import { verifyClientAssertion } from './verify-client-assertion.ts';
import { verifyDpopProof } from './verify-dpop-proof.ts';

/**
 * Token endpoint (OIDC Core §3.1.3; RFC 6749 §4.1.3). Rules enforced:
 * - `grant_type=authorization_code`; client auth by `private_key_jwt` (`aud` = this profile's issuer);
 * - FAPI: a valid DPoP proof whose key is the one the push was bound to (RFC 9449 §5, §10);
 * - the code is single use and short-lived; a second use fails and revokes the access token issued
 *   for the first (RFC 6749 §4.1.2);
 * - the code belongs to the client, `redirect_uri` equals the one of the request;
 * - PKCE: BASE64URL(SHA-256(code_verifier)) equals the challenge (RFC 7636 §4.6);
 * - answer `token_type: DPoP` (FAPI) or `Bearer` (legacy) with the sealed ID token (and
 *   `expires_in`, except in the `no_expires_in` and `mockpass_fapi` scenarios).
 * Scenarios `down` (503) and `slow` (delay) act before anything else, like a failing upstream.
 */
export function tokenController(ctx: SimulatorContext, profile: SingpassProfile) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      const body = formBody(request.body);
      const codeValue = body.get('code') ?? '';
      const peeked = ctx.codes.peek(codeValue);
      if (peeked?.scenario === 'down') {
        return reply.code(503).type('text/plain').send('Service Unavailable');
      }
      if (peeked?.scenario === 'slow') await sleep(ctx.slowMs);

      if (body.get('grant_type') !== 'authorization_code') {
        throw new OAuthError('unsupported_grant_type', 'only authorization_code is supported');
      }
      const clientId = await verifyClientAssertion(body, {
        issuer: ctx.issuer(profile),
        keys: ctx.clientKeys,
        clock: ctx.clock,
        seenJtis: ctx.clientAssertionJtis,
      });
      const jkt =
        profile === 'fapi'
          ? await verifyDpopProof(
              {
                proof: request.headers.dpop,
                htm: 'POST',
                htu: ctx.endpoint('fapi', 'token'),
                nonce: ctx.dpopNonce(),
              },
              ctx.clock,
              ctx.dpopJtis,
            )
          : undefined;

      const code = ctx.codes.take(codeValue);
      if (code === undefined) {
        const earlier = ctx.usedCodes.take(codeValue);
        if (earlier !== undefined) {
          ctx.accessTokens.delete(sha256b64u(earlier));
          throw new OAuthError('invalid_grant', 'the code was already used');
        }
        throw new OAuthError('invalid_grant', 'the code is unknown or expired');
      }
      checkCode(code, clientId, profile, body, jkt);
      return reply.header('cache-control', 'no-store').send(await issueTokens(ctx, code, jkt, codeValue));
    } catch (err) {
      if (err instanceof OAuthError) return sendOAuthError(reply, err);
      throw err;
    }
  };
}

function checkCode(
  code: IssuedCode,
  clientId: string,
  profile: SingpassProfile,
  body: URLSearchParams,
  jkt: string | undefined,
): void {
  const { pending } = code;
  if (pending.clientId !== clientId || pending.profile !== profile) {
    throw new OAuthError('invalid_grant', 'the code was not issued to this client');
  }
  if (body.get('redirect_uri') !== pending.redirectUri)
    throw new OAuthError('invalid_grant', 'redirect_uri does not match');
  if (pending.codeChallenge !== undefined) {
    const verifier = body.get('code_verifier') ?? '';
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || sha256b64u(verifier) !== pending.codeChallenge) {
      throw new OAuthError('invalid_grant', 'PKCE code_verifier does not match the code_challenge');
    }
  }
  if (profile === 'fapi' && jkt !== pending.dpopJkt) {
    throw new OAuthError('invalid_dpop_proof', 'the DPoP key is not the one the request was bound to');
  }
}

async function issueTokens(
  ctx: SimulatorContext,
  code: IssuedCode,
  jkt: string | undefined,
  codeValue: string,
): Promise<Record<string, unknown>> {
  const { pending, scenario } = code;
  const persona = findPersona(code.personaId)!;
  const now = ctx.clock.epochSeconds();
  const subject = subjectOf(persona, pending.profile);
  const accessToken = randomId(32);
  const ttl = 1800;
  ctx.accessTokens.set(
    sha256b64u(accessToken),
    {
      profile: pending.profile,
      scenario,
      clientId: pending.clientId,
      personaId: persona.id,
      scopes: pending.scopes,
      subject,
      dpopJkt: jkt,
    },
    ttl,
  );
  ctx.usedCodes.set(codeValue, accessToken, ttl);

  const effects = effectsOf(scenario);
  // `float_times` / `mockpass_fapi`: NumericDates with a fraction, as MockPass's `Date.now() / 1000`.
  const time = (t: number): number => (effects.fractionalTimes ? t + 0.123 : t);
  const subAttributes = pending.profile === 'fapi' ? subAttributesOf(persona, pending.scopes) : undefined;
  const claims: Record<string, unknown> = {
    iss: ctx.issuer(pending.profile),
    aud: scenario === 'wrong_audience' ? 'another-client-id' : pending.clientId,
    sub: subject,
    iat: time(scenario === 'expired_token' ? now - 900 : now),
    exp: time(scenario === 'expired_token' ? now - 300 : now + 600),
    nonce: scenario === 'wrong_nonce' ? randomId(16) : pending.nonce,
    amr: code.amr,
    acr: code.acr,
    auth_time: time(code.authTime),
    ...(pending.profile === 'fapi' ? { sub_type: 'user' } : {}),
    ...(subAttributes === undefined ? {} : { sub_attributes: subAttributes }),
  };
  const idToken = await sealJwt(
    ctx,
    pending.clientId,
    claims,
    scenario === 'bad_signature',
    effects.contentEncryption,
  );
  return {
    access_token: accessToken,
    token_type: pending.profile === 'fapi' ? 'DPoP' : 'Bearer',
    ...(effects.withoutExpiresIn ? {} : { expires_in: ttl }),
    scope: pending.scopes.join(' '),
    id_token: idToken,
  };
}
