import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, entryFromRecord, entryJson, parseEntry, validateRecord } from './entry.ts';
import { syntheticRecord } from './test-fixtures.ts';

const subject = 'a'.repeat(64);
const now = new Date('2026-11-27T10:00:00Z');

test('canonical JSON sorts keys at every level and keeps array order', () => {
  assert.equal(
    canonicalJson({ b: [{ z: 1, a: 'é' }], a: null, c: { y: true, x: 'x' } }),
    '{"a":null,"b":[{"a":"é","z":1}],"c":{"x":"x","y":true}}',
  );
  assert.throws(() => canonicalJson({ a: 1.5 }), TypeError);
});

test('an entry from a record parses back to itself; its JSON is canonical', () => {
  for (let n = 0; n < 50; n++) {
    const record = syntheticRecord(n);
    assert.ok(validateRecord(record).ok);
    const entry = entryFromRecord(record, subject, now);
    const text = canonicalJson(entry);
    assert.equal(entryJson(entry), text);
    const parsed = parseEntry(text);
    assert.ok(parsed.ok, !parsed.ok ? parsed.error.message : '');
    assert.deepEqual(parsed.value, entry);
  }
});

test('parsing refuses anything but a canonical, well-formed entry', () => {
  const text = canonicalJson(entryFromRecord(syntheticRecord(7), subject, now));
  const entry = JSON.parse(text) as Record<string, unknown>;
  const variants: [string, string][] = [
    ['not JSON', '{'],
    ['white space', text.replace(',', ', ')],
    ['keys out of order', JSON.stringify({ v: 1, ...entry })],
    ['unknown key', canonicalJson({ ...entry, value: 'S1234567A' })],
    ['version 2', canonicalJson({ ...entry, v: 2 })],
    ['released not sorted', canonicalJson({ ...entry, released: ['given_name', 'birthdate'] })],
    ['released twice', canonicalJson({ ...entry, released: ['birthdate', 'birthdate'] })],
    ['subject not a hash', canonicalJson({ ...entry, subject: 'account-7' })],
    ['time not UTC milliseconds', canonicalJson({ ...entry, time: '2026-11-27T10:00:00Z' })],
    ['impossible time', canonicalJson({ ...entry, time: '2026-02-30T10:00:00.000Z' })],
    [
      'unknown recipient kind',
      canonicalJson({ ...entry, recipient: { country: 'GB', id: 'x', kind: 'person' } }),
    ],
  ];
  for (const [what, bad] of variants) assert.equal(parseEntry(bad).ok, false, what);
});

test('property: any record the validator accepts makes an entry that parses back', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
  const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,30}$/);
  fc.assert(
    fc.property(
      fc.uniqueArray(name, { maxLength: 6 }),
      fc.uniqueArray(name, { maxLength: 3 }),
      id,
      fc.constantFrom('GB', 'SG'),
      fc.uniqueArray(id, { maxLength: 4 }),
      fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
      (released, withheldNames, releaseId, country, decisions, time) => {
        const withheld = withheldNames
          .filter((w) => !released.includes(w))
          .map((attribute) => ({ attribute, policy: 'p-1' }));
        const record = {
          releaseId,
          time,
          recipient: { kind: 'service' as const, id: 'svc', country },
          released,
          withheld,
          accountId: 'acc',
          consentId: null,
          decisions,
          trustFrameworkVersion: '2026-11',
        };
        if (!validateRecord(record).ok) return false;
        const entry = entryFromRecord(record, subject, now);
        const parsed = parseEntry(canonicalJson(entry));
        return (
          parsed.ok &&
          canonicalJson(parsed.value) === canonicalJson(entry) &&
          entryJson(entry) === canonicalJson(entry)
        );
      },
    ),
    { numRuns: 500 },
  );
});
