import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A random, URL-safe identifier with `bytes` bytes of entropy (default 32 bytes = 256 bits). */
export function randomId(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function uuid(): string {
  return randomUUID();
}

/** SHA-256 of a string, base64url, for opaque lookups of secret values. */
export function sha256b64u(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * The hub's one identifier alphabet, for every id it mints or accepts from outside (client ids,
 * release, consent and policy ids, ids in the transparency ledger): ASCII letters, digits and
 * `. _ ~ : / -`, 1–200 characters, and any of them may come first. That is RFC 3986's unreserved
 * set (§2.3, what oidc-provider's and nanoid's generators draw from, so Dynamic Client Registration
 * ids of older versions, which may begin with `_` or `-`, stay valid) plus `:` and `/` for URN- and
 * path-like ids. Nothing resembling free text (spaces, `@`, quotes) fits, so no name, e-mail address
 * or value can slip into a record that auditors and citizens read. Narrower rules (a client id is
 * 3–128 of these) only shorten the length, never change the characters.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9._~:/-]{1,200}$/;

export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER_PATTERN.test(value);
}

/** Client ids: 3–128 characters of the identifier alphabet. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~:/-]{3,128}$/;

export function isClientId(value: unknown): value is string {
  return typeof value === 'string' && CLIENT_ID_PATTERN.test(value);
}

/**
 * A new id the hub mints for a client (Dynamic Client Registration): 22 base64url characters of 128
 * random bits, beginning with a letter or a digit so that no command line reads it as an option
 * (base64url's `_` and `-` stay possible further in).
 */
export function mintClientId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}
