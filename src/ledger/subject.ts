import { hash } from 'node:crypto';

/**
 * HMAC-SHA-256 (RFC 2104) of a citizen's account id under their 32-byte salt: the `subject` of their
 * ledger entries. Written with two one-shot SHA-256 calls because `createHmac` imports its key as a
 * KeyObject each time, which cost more than the rest of an append; a test holds the two equal.
 */
const BLOCK = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

export function subjectHmac(salt: Uint8Array, accountId: string): string {
  if (salt.length !== 32) throw new RangeError('a subject salt is 32 bytes');
  const message = Buffer.from(accountId, 'utf8');
  const inner = Buffer.alloc(BLOCK + message.length);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    const k = i < salt.length ? salt[i]! : 0;
    inner[i] = k ^ IPAD;
    outer[i] = k ^ OPAD;
  }
  message.copy(inner, BLOCK);
  hash('sha256', inner, 'buffer').copy(outer, BLOCK);
  return hash('sha256', outer, 'hex');
}
