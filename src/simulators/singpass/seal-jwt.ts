import { CompactEncrypt, CompactSign } from 'jose';
import type { SimulatorContext } from './create-simulator-context.ts';

/**
 * Singpass's token shape: an ES256 JWS nested in a JWE for the client's `use: enc` key
 * (`ECDH-ES+A*KW`, `enc` A256CBC-HS512 by default, `cty: JWT` — RFC 7519 §5.2 for nested JWTs).
 * `rogue` signs with an unpublished key under the published `kid` (the `bad_signature` scenario).
 */
export async function sealJwt(
  ctx: SimulatorContext,
  clientId: string,
  claims: Record<string, unknown>,
  rogue = false,
  enc: 'A256CBC-HS512' | 'A256GCM' = ctx.contentEncryption,
): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: ctx.keys.kid })
    .sign(rogue ? ctx.keys.rogueKey : ctx.keys.signingKey);
  const target = await ctx.clientKeys.encryptionKey(clientId);
  return new CompactEncrypt(new TextEncoder().encode(jws))
    .setProtectedHeader({
      alg: target.alg,
      enc,
      cty: 'JWT',
      ...(target.kid === undefined ? {} : { kid: target.kid }),
    })
    .encrypt(target.key);
}
