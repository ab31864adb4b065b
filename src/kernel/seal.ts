import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GovbridgeError } from './errors.ts';

/**
 * Authenticated encryption (AES-256-GCM) for secrets kept at rest: private keys in the key store,
 * upstream login transactions, released claims awaiting pick-up. The `context` string is bound as
 * additional authenticated data, so a sealed value cannot be moved to another purpose or row.
 * Format: `v1.<iv>.<ciphertext>.<tag>`, each base64url.
 */
export function seal(key: Uint8Array, plaintext: string, context: string): string {
  assertKey(key);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    iv.toString('base64url'),
    ct.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join('.');
}

export function unseal(key: Uint8Array, sealed: string, context: string): string {
  assertKey(key);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') {
    throw new GovbridgeError('key_error', 'Sealed value has an unknown format', { expose: false });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[1]!, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(parts[3]!, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(parts[2]!, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch (cause) {
    throw new GovbridgeError('key_error', 'Sealed value failed authentication (wrong key or tampered)', {
      expose: false,
      cause,
    });
  }
}

/** Decode a base64url 32-byte key from configuration. */
export function keyFromBase64url(value: string): Uint8Array {
  const k = Buffer.from(value, 'base64url');
  assertKey(k);
  return k;
}

function assertKey(key: Uint8Array): void {
  if (key.length !== 32) {
    throw new GovbridgeError('key_error', 'Sealing key must be 32 bytes', { expose: false });
  }
}
