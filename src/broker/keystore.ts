import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { type Clock, GovbridgeError, seal, sha256b64u, systemClock, unseal } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';

/**
 * The hub's keys, by purpose. Algorithms are pinned here, in one table, with the reason:
 * - `hub-sig`: ES256 — signs ID tokens and JWT responses to relying parties (FAPI 2.0 §5.4 allows
 *   PS256, ES256, EdDSA; ES256 is the one both national schemes also use).
 * - `singpass-sig`: ES256 — private_key_jwt assertions and DPoP to Singpass (Singpass accepts ES256/384/512).
 * - `singpass-enc`: ECDH-ES+A256KW on P-256 — Singpass encrypts ID tokens and Myinfo to this key.
 * - `onelogin-sig`: RS256 (RSA 2048) — request objects and private_key_jwt to GOV.UK One Login.
 * - `ledger-sig`: EdDSA (Ed25519) — signs the transparency ledger's checkpoints (C2SP signed-note
 *   signature type 0x01 is Ed25519 only). Published as a note verifier key at `/ledger/verifier-key`.
 * - `notify-sig`: ES256 — signs Tell Us Once notifications to agencies (published at
 *   `/notifications/jwks.json`, apart from the OP's keys so an agency key can never sign an ID token).
 *
 * Development: keys are generated on first start and kept in the database, private halves sealed
 * with the key-encryption key. Production: loaded from files, never generated. Rotation makes a new
 * active key and keeps the old one published (and usable for decryption) until `expires_at`.
 */
export const KEY_PURPOSES = {
  'hub-sig': { alg: 'ES256', use: 'sig' },
  'singpass-sig': { alg: 'ES256', use: 'sig' },
  'singpass-enc': { alg: 'ECDH-ES+A256KW', use: 'enc' },
  'onelogin-sig': { alg: 'RS256', use: 'sig' },
  'notify-sig': { alg: 'ES256', use: 'sig' },
  'ledger-sig': { alg: 'EdDSA', use: 'sig' },
} as const;
export type KeyPurpose = keyof typeof KEY_PURPOSES;

export interface KeyStoreOptions {
  storage: Storage;
  /** Key-encryption key (32 bytes). */
  kek: Uint8Array;
  /** Files (private JWKS) by purpose; a purpose with a file is never generated or rotated here. */
  files?: Partial<Record<KeyPurpose, string>>;
  /** Development only: generate missing keys. Production passes false. */
  allowGenerate: boolean;
  clock?: Clock;
}

interface LoadedKey {
  kid: string;
  purpose: KeyPurpose;
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: number;
  retiredAt: number | null;
  expiresAt: number | null;
  source: 'database' | 'file';
}

export class KeyStore {
  readonly #o: KeyStoreOptions;
  readonly #clock: Clock;
  #keys: LoadedKey[] = [];

  constructor(options: KeyStoreOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Load every purpose's keys; generate missing ones when allowed; fail clearly otherwise. */
  async load(): Promise<void> {
    const keys: LoadedKey[] = [];
    for (const purpose of Object.keys(KEY_PURPOSES) as KeyPurpose[]) {
      const file = this.#o.files?.[purpose];
      if (file) {
        keys.push(...loadKeyFile(file, purpose));
        continue;
      }
      let rows = await this.#rows(purpose);
      if (!rows.some((k) => k.retiredAt === null)) {
        if (!this.#o.allowGenerate) {
          throw new GovbridgeError(
            'key_error',
            `No ${purpose} key: generated keys are refused in production; configure a key file for ${purpose}`,
            { expose: false },
          );
        }
        await this.#generate(purpose);
        rows = await this.#rows(purpose);
      }
      keys.push(...rows);
    }
    this.#keys = keys;
  }

  /** The key that signs or is advertised for encryption now. Several active (a start-up race) → the oldest. */
  active(purpose: KeyPurpose): JWK {
    const k = this.#keys
      .filter((x) => x.purpose === purpose && x.retiredAt === null)
      .sort((a, b) => a.createdAt - b.createdAt || a.kid.localeCompare(b.kid))[0];
    if (!k) throw new GovbridgeError('key_error', `No active ${purpose} key loaded`, { expose: false });
    return k.privateJwk;
  }

  /**
   * Every loaded key without private material, for the operator console: purpose, kid, algorithm,
   * where it came from, when it was made, retired and stops being published.
   */
  describe(): {
    kid: string;
    purpose: KeyPurpose;
    alg: string;
    source: 'database' | 'file';
    createdAt: number;
    retiredAt: number | null;
    expiresAt: number | null;
    published: boolean;
  }[] {
    const now = this.#clock.now().getTime();
    return this.#keys
      .map((k) => ({
        kid: k.kid,
        purpose: k.purpose,
        alg: String(KEY_PURPOSES[k.purpose].alg),
        source: k.source,
        createdAt: k.createdAt,
        retiredAt: k.retiredAt,
        expiresAt: k.expiresAt,
        published: k.expiresAt === null || k.expiresAt > now,
      }))
      .sort((a, b) => a.purpose.localeCompare(b.purpose) || b.createdAt - a.createdAt);
  }

  /** Active and retired-but-unexpired private keys (decryption must accept all of them). */
  usable(purpose: KeyPurpose): JWK[] {
    const now = this.#clock.now().getTime();
    return this.#keys
      .filter((x) => x.purpose === purpose && (x.expiresAt === null || x.expiresAt > now))
      .map((x) => x.privateJwk);
  }

  /** Public keys to publish for a purpose: active first, then retired ones until they expire. */
  publicJwks(...purposes: KeyPurpose[]): { keys: JWK[] } {
    const now = this.#clock.now().getTime();
    return {
      keys: this.#keys
        .filter((x) => purposes.includes(x.purpose) && (x.expiresAt === null || x.expiresAt > now))
        .sort((a, b) => Number(a.retiredAt !== null) - Number(b.retiredAt !== null))
        .map((x) => x.publicJwk),
    };
  }

  /**
   * Make a new active key for `purpose`; the previous active keys stay published for `graceSeconds`
   * (at least the lifetime of anything they signed or that was encrypted to them).
   */
  async rotate(purpose: KeyPurpose, graceSeconds: number): Promise<{ kid: string; retired: string[] }> {
    if (this.#o.files?.[purpose]) {
      throw new GovbridgeError(
        'key_error',
        `${purpose} keys come from a file: rotate them by replacing the file`,
      );
    }
    const now = this.#clock.now().getTime();
    const retired = await this.#o.storage.transaction(async (tx) => {
      const rows = await tx
        .selectFrom('keys')
        .select('kid')
        .where('purpose', '=', purpose)
        .where('retired_at', 'is', null)
        .execute();
      if (rows.length > 0) {
        await tx
          .updateTable('keys')
          .set({ retired_at: now, expires_at: now + graceSeconds * 1000 })
          .where('purpose', '=', purpose)
          .where('retired_at', 'is', null)
          .execute();
      }
      return rows.map((r) => r.kid);
    });
    const kid = await this.#generate(purpose);
    await this.load();
    return { kid, retired };
  }

  async #generate(purpose: KeyPurpose): Promise<string> {
    const spec = KEY_PURPOSES[purpose];
    const pair =
      spec.alg === 'RS256'
        ? await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 })
        : spec.alg === 'EdDSA'
          ? await generateKeyPair('Ed25519', { extractable: true })
          : await generateKeyPair(spec.alg === 'ES256' ? 'ES256' : 'ECDH-ES+A256KW', {
              extractable: true,
              crv: 'P-256',
            });
    const pub = await exportJWK(pair.publicKey);
    const priv = await exportJWK(pair.privateKey);
    // RFC 7638-style stable id is not needed; a random, purpose-prefixed kid is clear in logs.
    const kid = `${purpose}-${sha256b64u(JSON.stringify(pub)).slice(0, 16)}`;
    const meta = { kid, alg: spec.alg, use: spec.use };
    const publicJwk = JSON.stringify({ ...pub, ...meta });
    const now = this.#clock.now().getTime();
    await this.#o.storage.db
      .insertInto('keys')
      .values({
        kid,
        purpose,
        alg: spec.alg,
        public_jwk: publicJwk,
        private_jwk_sealed: seal(
          this.#o.kek,
          JSON.stringify({ ...priv, ...meta }),
          sealContext(kid, purpose, publicJwk),
        ),
        created_at: now,
        retired_at: null,
        expires_at: null,
      })
      .execute();
    return kid;
  }

  async #rows(purpose: KeyPurpose): Promise<LoadedKey[]> {
    const rows = await this.#o.storage.db
      .selectFrom('keys')
      .selectAll()
      .where('purpose', '=', purpose)
      .execute();
    return rows.map((r) => ({
      kid: r.kid,
      purpose,
      publicJwk: JSON.parse(r.public_jwk) as JWK,
      privateJwk: JSON.parse(
        unseal(this.#o.kek, r.private_jwk_sealed, sealContext(r.kid, purpose, r.public_jwk)),
      ) as JWK,
      createdAt: r.created_at,
      retiredAt: r.retired_at,
      expiresAt: r.expires_at,
      source: 'database' as const,
    }));
  }
}

/**
 * What a sealed private key is bound to: its kid, its purpose and its public half. Someone who can
 * write to the database but does not hold the key-encryption key can neither move a private key to
 * another purpose nor publish a different public key beside it: the row stops opening.
 */
function sealContext(kid: string, purpose: KeyPurpose, publicJwk: string): string {
  return `key:${kid}:${purpose}:${sha256b64u(publicJwk)}`;
}

/** Read a private JWKS file for one purpose and check every key matches the pinned algorithm. */
export function loadKeyFile(path: string, purpose: KeyPurpose): LoadedKey[] {
  const spec = KEY_PURPOSES[purpose];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new GovbridgeError('key_error', `Key file for ${purpose} (${path}) is not readable JSON`, {
      cause,
      expose: false,
    });
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new GovbridgeError(
      'key_error',
      `Key file for ${purpose} (${path}) must be a JWKS with a "keys" array`,
    );
  }
  const matching = (keys as JWK[]).filter(
    (k) => k.use === spec.use || (k.use === undefined && k.alg === spec.alg),
  );
  if (matching.length === 0) {
    throw new GovbridgeError('key_error', `Key file for ${purpose} (${path}) has no "${spec.use}" key`);
  }
  return matching.map((k, i) => {
    if (typeof k.kid !== 'string' || !k.kid)
      throw new GovbridgeError('key_error', `${path}: key ${i} has no kid`);
    if (k.alg !== spec.alg) {
      throw new GovbridgeError('key_error', `${path}: key ${k.kid} must have alg ${spec.alg} for ${purpose}`);
    }
    if (!k.d) throw new GovbridgeError('key_error', `${path}: key ${k.kid} is not a private key`);
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = k;
    return {
      kid: k.kid,
      purpose,
      privateJwk: k,
      publicJwk: pub,
      createdAt: i,
      retiredAt: i === 0 ? null : 0,
      expiresAt: null,
      source: 'file' as const,
    };
  });
}

/** Check a private JWK imports with its pinned algorithm (used by tests and the CLI). */
export async function assertUsable(jwk: JWK): Promise<void> {
  await importJWK(jwk, jwk.alg);
}
