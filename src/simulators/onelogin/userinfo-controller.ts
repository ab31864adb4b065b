import type { FastifyInstance } from 'fastify';
import type { SimulatorContext } from './context.ts';
import { createCoreIdentity } from './create-core-identity.ts';
import { walletSubjectId } from './pairwise-sub.ts';
import { findPersona } from './personas.ts';
import {
  ADDRESS_CLAIM,
  CORE_IDENTITY_CLAIM,
  DRIVING_PERMIT_CLAIM,
  PASSPORT_CLAIM,
  RETURN_CODE_CLAIM,
} from './validate-auth-request.ts';

/**
 * GET /userinfo ("Retrieve user information", "Prove your user's identity"). Bearer token only; an
 * unknown or expired token gets 401 with `WWW-Authenticate: Bearer error="invalid_token"`.
 * `email`/`email_verified` with scope `email`, `phone_number`/`phone_number_verified` with scope
 * `phone`, `walletSubjectId` with `wallet-subject-id`. Identity claims are released only when they
 * were asked for in `claims.userinfo` AND the login reached P1/P2; on a failed identity journey
 * with `returnCode` asked for, only the return codes are added.
 */
export function registerUserinfoRoutes(app: FastifyInstance, ctx: SimulatorContext): void {
  app.get('/userinfo', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.headers.authorization ?? '');
    const issued = match?.[1] === undefined ? undefined : ctx.accessTokens.get(match[1]);
    if (!issued) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_token", error_description="Invalid access token"')
        .send({ error: 'invalid_token' });
    }
    const { code, sub } = issued;
    const persona = findPersona(code.personaId);
    if (!persona) return reply.code(401).send({ error: 'invalid_token' });
    const scopes = code.request.scopes;
    const asked = code.request.claims;
    const info: Record<string, unknown> = { sub };
    if (scopes.includes('email')) {
      info.email = persona.email;
      info.email_verified = true;
    }
    if (scopes.includes('phone') && persona.phoneNumber !== undefined) {
      info.phone_number = persona.phoneNumber;
      info.phone_number_verified = true;
    }
    if (scopes.includes('wallet-subject-id'))
      info.walletSubjectId = walletSubjectId(code.request.clientId, persona.id);

    if (code.identity === 'P1' || code.identity === 'P2') {
      if (asked.includes(CORE_IDENTITY_CLAIM))
        info[CORE_IDENTITY_CLAIM] = await createCoreIdentity(ctx, code, persona, sub);
      if (asked.includes(ADDRESS_CLAIM)) info[ADDRESS_CLAIM] = persona.address;
      if (asked.includes(PASSPORT_CLAIM) && persona.passport) info[PASSPORT_CLAIM] = persona.passport;
      if (asked.includes(DRIVING_PERMIT_CLAIM) && persona.drivingPermit)
        info[DRIVING_PERMIT_CLAIM] = persona.drivingPermit;
    }
    if (code.identityFailed && asked.includes(RETURN_CODE_CLAIM)) {
      info[RETURN_CODE_CLAIM] = persona.returnCodes ?? [{ code: 'X' }];
    }
    return reply.send(info);
  });
}
