import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { subjectHmac } from './subject.ts';

test('subjectHmac is HMAC-SHA-256 (RFC 2104), equal to node:crypto for any salt and account id', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      (salt, account) => {
        const expected = createHmac('sha256', salt).update(account, 'utf8').digest('hex');
        return subjectHmac(salt, account) === expected;
      },
    ),
    { numRuns: 2000 },
  );
  // RFC 4231 test case 2 uses a short key; ours are 32 bytes, so check a fixed one against node:crypto too.
  const salt = Buffer.alloc(32, 0x0b);
  assert.equal(subjectHmac(salt, 'Hi There'), createHmac('sha256', salt).update('Hi There').digest('hex'));
  assert.throws(() => subjectHmac(new Uint8Array(16), 'x'), RangeError);
});
