import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { releaseLedgerRecord } from '../../src/broker/releases.ts';
import {
  CLIENT_ID_PATTERN,
  IDENTIFIER_PATTERN,
  isClientId,
  isIdentifier,
  mintClientId,
} from '../../src/kernel/index.ts';
import { canonicalJson, parseEntry, validateReleaseRecord } from '../../src/ledger/index.ts';

/**
 * One identifier alphabet (src/kernel/ids.ts) for every id the hub mints or accepts (issue "Odd but
 * legal input — Client ids"): whatever the hub mints today, and whatever oidc-provider's default
 * generator (nanoid: 21 characters of A–Z a–z 0–9 _ -, so about 3% begin with `_` or `-`) minted
 * for Dynamic Client Registration before, passes every validator that sees a client id: the client
 * registry's, the ledger's record and entry validators, and the release recorder's check.
 */

/** Every validator a client id meets on its way from registration to the ledger. */
function passesEveryValidator(clientId: string): string | undefined {
  if (!isIdentifier(clientId)) return 'kernel isIdentifier';
  if (!isClientId(clientId)) return 'kernel isClientId (client registry)';
  const release = releaseLedgerRecord('a7d3c1e0-0000-4000-8000-000000000002', {
    accountId: 'account-1',
    clientId,
    clientCountry: 'GB',
    attributes: ['birthdate', 'name'],
    decisions: ['release-within-environment'],
    acr: 'urn:govbridge:loa:low',
    scheme: 'singpass',
    trustFrameworkVersion: '2026-11-27.1',
    consentId: 'consent-1',
    grantId: null,
    at: new Date('2026-12-07T10:00:00.000Z'),
  });
  const record = validateReleaseRecord(release);
  if (!record.ok) return `ledger record: ${record.error.message}`;
  const entry = canonicalJson({
    v: 1,
    releaseId: release.releaseId,
    time: '2026-12-07T10:00:00.000Z',
    recipient: release.recipient,
    released: [...release.released].sort(),
    withheld: [],
    subject: 'a'.repeat(64),
    consentId: release.consentId,
    decisions: release.decisions,
    trustFrameworkVersion: release.trustFrameworkVersion,
  });
  const parsed = parseEntry(entry);
  if (!parsed.ok) return `ledger entry: ${parsed.error.message}`;
  return undefined;
}

test('ids the hub mints for Dynamic Client Registration pass every validator and never begin with - or _', () => {
  fc.assert(
    fc.property(fc.integer(), () => {
      const id = mintClientId();
      assert.equal(passesEveryValidator(id), undefined, id);
      assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/);
    }),
    { numRuns: 2000 },
  );
});

test('ids older versions minted (nanoid, may begin with _ or -) pass every validator', () => {
  const nanoid = fc.stringMatching(/^[A-Za-z0-9_-]{21}$/);
  fc.assert(
    fc.property(nanoid, (id) => {
      assert.equal(passesEveryValidator(id), undefined, id);
    }),
    { numRuns: 2000 },
  );
  for (const id of ['_abcdefghijklmnopqrstu', '-abcdefghijklmnopqrstu', '__-', '-_-']) {
    assert.equal(passesEveryValidator(id), undefined, id);
  }
});

test('any client id of the alphabet (3–128 characters) passes every validator', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9._~:/-]{3,128}$/), (id) => {
      assert.equal(passesEveryValidator(id), undefined, id);
    }),
    { numRuns: 1000 },
  );
});

test('what is not in the alphabet is refused by all of them alike (no free text)', () => {
  for (const bad of ['has space', 'a@b.example', 'quote"d', 'é-accent', 'tab\tid', '', 'x'.repeat(201)]) {
    assert.equal(isIdentifier(bad), false, bad);
    assert.equal(IDENTIFIER_PATTERN.test(bad), false, bad);
    assert.equal(CLIENT_ID_PATTERN.test(bad), false, bad);
    assert.notEqual(passesEveryValidator(bad), undefined, bad);
  }
});
