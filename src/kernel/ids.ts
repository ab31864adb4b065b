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
