import type { ReleaseRecord } from './entry.ts';

/**
 * Synthetic release records for tests and the benchmark: deterministic from a number, varied in
 * recipient, country and attributes, with an account drawn from `accounts` citizens.
 */
const ATTRIBUTES = [
  'birthdate',
  'family_name',
  'given_name',
  'nationalities',
  'address',
  'email',
  'phone_number',
];

export function syntheticRecord(
  n: number,
  options: { accounts?: number; prefix?: string } = {},
): ReleaseRecord {
  const accounts = options.accounts ?? 1000;
  const prefix = options.prefix ?? 'rel';
  const released = ATTRIBUTES.filter((_, i) => (n >> i) % 2 === 1 || i < 2);
  const withheld =
    n % 7 === 0
      ? [{ attribute: 'urn:govbridge:claims:sg_residential_status', policy: 'residency-sg-only' }]
      : [];
  return {
    releaseId: `${prefix}-${n}`,
    time: new Date(Date.UTC(2026, 10, 27, 9, 0, 0) + n * 1000),
    recipient:
      n % 3 === 0
        ? { kind: 'agency', id: `agency-${n % 5}`, country: 'SG' }
        : { kind: 'service', id: `client-${n % 11}`, country: n % 2 === 0 ? 'GB' : 'SG' },
    released,
    withheld,
    accountId: `account-${n % accounts}`,
    consentId: n % 4 === 0 ? null : `consent-${n % 97}`,
    decisions: [`policy-classification-${n % 3}`, 'policy-residency'],
    trustFrameworkVersion: '2026-11',
  };
}
