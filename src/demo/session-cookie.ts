import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { z } from 'zod';
import { GovbridgeError } from '../kernel/index.ts';

/**
 * A demo's whole session lives in one encrypted cookie (JWE `dir` + `A256GCM`, RFC 7516), so no hub
 * process keeps anything in memory and any process can serve the next request. The key is derived
 * per demo with HKDF (RFC 5869) from the configured secret, so a cookie of one demo is useless to
 * the other; the JWT's `aud` binds it to the demo's client id too. A cookie that does not decrypt,
 * has expired or does not match the schema is treated as absent.
 */

const privateEcJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string(),
  y: z.string(),
  d: z.string(),
});

const claimRow = z.object({
  claim: z.string(),
  value: z.string(),
  verifiedBy: z.string().optional(),
});

const withheldRow = z.object({ claim: z.string(), policy: z.string() });

/** Between sign-in and callback: what openid-client checks the response against. */
const authorizingSession = z.object({
  stage: z.literal('authorizing'),
  state: z.string().min(1),
  nonce: z.string().min(1),
  codeVerifier: z.string().min(43),
  /** The private half of this session's own DPoP key (RFC 9449); the public half is derived from it. */
  dpopKey: privateEcJwk,
});

/** After a successful callback: what the result page shows, and what sign-out needs. */
const signedInSession = z.object({
  stage: z.literal('signed-in'),
  /** Kept only to be sent back to the hub as `id_token_hint` on sign-out. */
  idToken: z.string().min(1),
  acr: z.string().optional(),
  amr: z.array(z.string()),
  claims: z.array(claimRow),
  /** What the hub's release policy withheld (`govbridge_withheld`); empty when nothing was. */
  withheld: z.array(withheldRow).default([]),
  /** Synchroniser token for the sign-out form. */
  csrf: z.string().min(16),
});

const demoSession = z.discriminatedUnion('stage', [authorizingSession, signedInSession]);

export type AuthorizingSession = z.infer<typeof authorizingSession>;
export type SignedInSession = z.infer<typeof signedInSession>;
export type DemoSession = z.infer<typeof demoSession>;

export interface SessionCookieOptions {
  /** The configured secret (at least 32 characters). */
  readonly secret: string;
  /** The demo's client id: key-derivation context and JWT audience. */
  readonly audience: string;
  readonly path: string;
  /** Mark the cookie `Secure` (when the public URL is https). */
  readonly secure: boolean;
}

export interface CookieAttributes {
  readonly path: string;
  readonly httpOnly: true;
  readonly sameSite: 'lax';
  readonly secure: boolean;
  readonly maxAge: number;
}

export interface SessionCookie {
  readonly name: string;
  seal(session: DemoSession): Promise<{ value: string; attributes: CookieAttributes }>;
  /** The session in `value`, or `undefined` when there is none or it cannot be trusted. */
  open(value: string | undefined): Promise<DemoSession | undefined>;
  clearAttributes(): { path: string; httpOnly: true; sameSite: 'lax'; secure: boolean };
}

/** Browsers keep cookies of up to 4096 bytes, name and attributes included. */
const MAX_VALUE_LENGTH = 3800;

/** An authorizing session has to be finished within this time; a signed-in one lasts longer. */
const LIFETIME_SECONDS = { authorizing: 10 * 60, 'signed-in': 30 * 60 } as const;
const ISSUER = 'urn:govbridge:demo';

export function createSessionCookie(options: SessionCookieOptions): SessionCookie {
  const key = new Uint8Array(
    hkdfSync('sha256', options.secret, 'govbridge demo session cookie', options.audience, 32),
  );
  const name = `${options.secure ? '__Secure-' : ''}govbridge-${options.audience}`;
  const base = { path: options.path, httpOnly: true, sameSite: 'lax', secure: options.secure } as const;

  return {
    name,
    async seal(session) {
      const lifetime = LIFETIME_SECONDS[session.stage];
      const value = await new EncryptJWT({ session })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setIssuer(ISSUER)
        .setAudience(options.audience)
        .setIssuedAt()
        .setExpirationTime(`${lifetime}s`)
        .encrypt(key);
      if (value.length > MAX_VALUE_LENGTH) {
        // A browser would drop it silently; fail visibly instead. Real hub responses are far smaller.
        throw new GovbridgeError('server_error', 'Demo session does not fit in a cookie', {
          detail: { length: value.length, stage: session.stage },
        });
      }
      return { value, attributes: { ...base, maxAge: lifetime } };
    },
    async open(value) {
      if (value === undefined || value === '') return undefined;
      try {
        const { payload } = await jwtDecrypt(value, key, {
          issuer: ISSUER,
          audience: options.audience,
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
          requiredClaims: ['iat', 'exp'],
        });
        const parsed = demoSession.safeParse(payload['session']);
        return parsed.success ? parsed.data : undefined;
      } catch {
        // Wrong key, tampered, expired or malformed: all mean "no usable session".
        return undefined;
      }
    },
    clearAttributes() {
      return { ...base };
    },
  };
}
