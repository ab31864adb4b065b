import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { GovbridgeError } from '../kernel/index.ts';
import { classifiedFieldNames, deriveRank, loadTrustFramework, parseTrustFramework } from './index.ts';
import { TRUST_FRAMEWORK_FILE } from './test-fixtures.ts';

/**
 * Classification in the trust framework: both native labels on every claim, the common rank derived
 * from them and never understated (map down, never up).
 */
const realText = readFileSync(TRUST_FRAMEWORK_FILE, 'utf8');
type Node = Record<string, unknown>;

function withClaim(name: string, classification: Node): string {
  const doc = parse(realText) as { claims: Record<string, Node> };
  doc.claims[name]!['classification'] = classification;
  return stringify(doc);
}

function problemsOf(text: string): string {
  try {
    parseTrustFramework(text, 'broken.yaml');
  } catch (err) {
    assert.ok(err instanceof GovbridgeError);
    assert.equal(err.code, 'trust_framework_invalid');
    return err.message;
  }
  return assert.fail('expected trust_framework_invalid');
}

describe('classification of claims', () => {
  const tf = loadTrustFramework(TRUST_FRAMEWORK_FILE);

  it('every claim carries both native labels and a rank at least what each label implies', () => {
    for (const [name, claim] of Object.entries(tf.claims)) {
      const c = claim.classification;
      assert.ok(c.uk.marking, name);
      assert.ok(c.sg.classification && c.sg.sensitivity, name);
      assert.ok(c.rank >= deriveRank(c)!, name);
    }
  });

  it('derives the stricter of the two regimes', () => {
    const rank = (uk: string, sg: string, sensitivity: string, descriptor?: string) =>
      deriveRank({
        uk: { marking: uk, ...(descriptor ? { descriptor } : {}) },
        sg: { classification: sg, sensitivity },
      });
    assert.equal(rank('OFFICIAL', 'RESTRICTED', 'SENSITIVE-NORMAL', 'PERSONAL'), 1);
    assert.equal(rank('OFFICIAL-SENSITIVE', 'RESTRICTED', 'SENSITIVE-NORMAL', 'PERSONAL'), 2);
    assert.equal(rank('OFFICIAL', 'CONFIDENTIAL', 'NON-SENSITIVE'), 3);
    assert.equal(rank('OFFICIAL', 'RESTRICTED', 'SENSITIVE-HIGH'), 2);
    assert.equal(rank('SECRET', 'OFFICIAL (OPEN)', 'NON-SENSITIVE'), 4);
    assert.equal(rank('OFFICIAL', 'OFFICIAL (OPEN)', 'NON-SENSITIVE'), 1, 'UK OFFICIAL is never public');
    assert.equal(rank('PROTECT', 'RESTRICTED', 'SENSITIVE-NORMAL'), undefined);
  });

  it('rejects a rank that understates a label, naming each label and what it implies', () => {
    const msg = problemsOf(
      withClaim('address', {
        uk: { marking: 'OFFICIAL-SENSITIVE', descriptor: 'PERSONAL' },
        sg: { classification: 'CONFIDENTIAL (CLOUD-ELIGIBLE)', sensitivity: 'SENSITIVE-HIGH' },
        rank: 1,
      }),
    );
    assert.match(
      msg,
      /claims\.address\.classification\.rank: declared rank 1 but the labels derive rank 2 \(the stricter of UK OFFICIAL-SENSITIVE → 2, descriptor PERSONAL → 1, SG CONFIDENTIAL \(CLOUD-ELIGIBLE\) → 2, sensitivity SENSITIVE-HIGH → 2\): a rank may not understate its labels/,
    );
  });

  it('allows a rank above the labels (stricter handling), with a warning', () => {
    const tf2 = parseTrustFramework(
      withClaim('email', {
        uk: { marking: 'OFFICIAL', descriptor: 'PERSONAL' },
        sg: { classification: 'RESTRICTED', sensitivity: 'SENSITIVE-NORMAL' },
        rank: 2,
      }),
      'stricter.yaml',
    );
    assert.equal(tf2.claims['email']!.classification.rank, 2);
    assert.ok(
      tf2.warnings.some((w) =>
        /claims\.email\.classification\.rank: declared rank 2 is above the rank 1/.test(w),
      ),
    );
  });

  it('OFFICIAL-SENSITIVE needs a descriptor; sensitive Singapore data is never OFFICIAL (OPEN)', () => {
    const msg = problemsOf(
      withClaim('birthdate', {
        uk: { marking: 'OFFICIAL-SENSITIVE' },
        sg: { classification: 'OFFICIAL (OPEN)', sensitivity: 'SENSITIVE-NORMAL' },
        rank: 2,
      }),
    );
    assert.match(
      msg,
      /claims\.birthdate\.classification\.uk\.descriptor: OFFICIAL-SENSITIVE needs a descriptor/,
    );
    assert.match(
      msg,
      /claims\.birthdate\.classification\.sg\.classification: SENSITIVE-NORMAL data cannot be OFFICIAL \(OPEN\)/,
    );
  });

  it('every UK marking and Singapore classification of each ladder is known, listed lowest first', () => {
    const doc = parse(realText) as { classification: { sg: { classifications: string[] } } };
    assert.deepEqual(doc.classification.sg.classifications, [
      'OFFICIAL (OPEN)',
      'OFFICIAL (CLOSED)',
      'RESTRICTED',
      'CONFIDENTIAL (CLOUD-ELIGIBLE)',
      'CONFIDENTIAL',
      'SECRET',
      'TOP SECRET',
    ]);
    doc.classification.sg.classifications = ['RESTRICTED', 'OFFICIAL (OPEN)'];
    const msg = problemsOf(stringify(doc));
    assert.match(
      msg,
      /classification\.sg\.classifications\[1\]: "OFFICIAL \(OPEN\)" is listed after "RESTRICTED": list the labels lowest first/,
    );
  });

  it('classified field names cover claims above public and the scheme names they come from', () => {
    const names = classifiedFieldNames(tf);
    for (const n of ['name', 'birthdate', 'address', 'email', 'urn:govbridge:claims:sg_residential_status'])
      assert.ok(names.has(n), n);
    // Myinfo and One Login names of the same data.
    for (const n of ['regadd', 'dob', 'mobileno', 'coreIdentity', 'passport', 'phoneNumber'])
      assert.ok(names.has(n), n);
    assert.ok(names.has('https://vocab.account.gov.uk/v1/address'));
    assert.ok(!names.has('person') && !names.has('value'));
    // Above rank 1 only: the residential status, and the names it is read from.
    const sensitive = classifiedFieldNames(tf, 1);
    assert.ok(sensitive.has('urn:govbridge:claims:sg_residential_status'));
    assert.ok(!sensitive.has('name'));
  });
});
