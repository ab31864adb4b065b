import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compareTier,
  evaluateAssertion,
  hubLevels,
  loadTrustFramework,
  meetsTier,
  type OneLoginAssertion,
  type Tier,
} from './index.ts';
import { oneLoginAssertion, singpassAssertion, TRUST_FRAMEWORK_FILE } from './test-fixtures.ts';

const tf = loadTrustFramework(TRUST_FRAMEWORK_FILE);
const L = (name: string) => `urn:govbridge:loa:${name}`;
const SP = (n: number) => `urn:singpass:authentication:loa:${n}`;
const levels = hubLevels(tf);

describe('evaluateAssertion: Singpass', () => {
  it('loa:2 with two factors, standard account: substantial / substantial', () => {
    const e = evaluateAssertion(tf, singpassAssertion(), L('substantial'));
    assert.deepEqual(e.achieved, { identity: 'substantial', authentication: 'substantial' });
    assert.equal(e.acr, L('substantial'));
    assert.equal(e.satisfied, true);
    assert.equal(e.reason, undefined);
    assert.deepEqual([...e.amr].sort(), ['mfa', 'pwd', 'sms']);
    assert.equal(e.trustFrameworkVersion, tf.version);
  });

  it('loa:1 (password only) never reaches substantial', () => {
    const e = evaluateAssertion(tf, singpassAssertion({ acr: SP(1), amr: ['pwd'] }), L('substantial'));
    assert.deepEqual(e.achieved, { identity: 'substantial', authentication: 'low' });
    assert.equal(e.acr, L('low'));
    assert.equal(e.satisfied, false);
    assert.match(
      e.reason ?? '',
      /Singpass login "urn:singpass:authentication:loa:1" does not meet "urn:govbridge:loa:substantial": it needs authentication substantial \(got low\)/,
    );
    assert.deepEqual(e.amr, ['pwd']);
  });

  it('no acr in the ID token (MockPass, some Singpass versions) is read as the lowest level, loa:1', () => {
    const e = evaluateAssertion(
      tf,
      singpassAssertion({ acr: undefined, amr: ['pwd', 'sms'] }),
      L('substantial'),
    );
    assert.deepEqual(e.achieved, { identity: 'substantial', authentication: 'low' });
    assert.equal(e.satisfied, false);
    assert.equal(e.schemeValue, SP(1));
    assert.match(e.reason ?? '', /no acr in the ID token/);
    assert.equal(evaluateAssertion(tf, singpassAssertion({ acr: undefined }), L('low')).satisfied, true);
  });

  it('loa:3 (face verification) is still substantial, not high', () => {
    const e = evaluateAssertion(tf, singpassAssertion({ acr: SP(3), amr: ['fv'] }), L('high'));
    assert.deepEqual(e.achieved, { identity: 'substantial', authentication: 'substantial' });
    assert.equal(e.satisfied, false);
    assert.equal(e.acr, L('substantial'));
    assert.ok(e.amr.includes('face'));
  });

  it('an acr of loa:2 with an amr showing password only is read down to low authentication', () => {
    const e = evaluateAssertion(tf, singpassAssertion({ amr: ['pwd'] }), L('substantial'));
    assert.equal(e.achieved.authentication, 'low');
    assert.match(e.reason ?? '', /amr shows password only/);
    assert.ok(!e.amr.includes('mfa'));
  });

  it('foreign and unknown account types are read down to low identity', () => {
    for (const accountType of ['foreign', undefined] as const) {
      const e = evaluateAssertion(tf, singpassAssertion({ accountType }), L('substantial'));
      assert.deepEqual(e.achieved, { identity: 'low', authentication: 'substantial' });
      assert.equal(e.acr, L('low'));
      assert.equal(e.satisfied, false);
      assert.match(e.reason ?? '', /identity read down to low for a (foreign|unknown) account/);
    }
  });

  it('an unknown acr reads as none / none and reaches no hub level', () => {
    const e = evaluateAssertion(
      tf,
      singpassAssertion({ acr: 'urn:singpass:authentication:loa:9' }),
      L('authenticated'),
    );
    assert.deepEqual(e.achieved, { identity: 'none', authentication: 'none' });
    assert.equal(e.acr, undefined);
    assert.equal(e.satisfied, false);
    assert.match(e.reason ?? '', /unknown Singpass acr/);
  });
});

describe('evaluateAssertion: One Login', () => {
  it('Cl.Cm with a verified P2 coreIdentity: substantial / substantial', () => {
    const e = evaluateAssertion(tf, oneLoginAssertion(), L('substantial'));
    assert.deepEqual(e.achieved, { identity: 'substantial', authentication: 'substantial' });
    assert.equal(e.satisfied, true);
    assert.equal(e.schemeValue, 'Cl.Cm.P2');
    assert.deepEqual(e.amr, ['pwd', 'mfa']);
  });

  it('no coreIdentity = identity none, whatever was asked for', () => {
    const e = evaluateAssertion(tf, oneLoginAssertion({ coreIdentity: undefined }), L('low'));
    assert.deepEqual(e.achieved, { identity: 'none', authentication: 'substantial' });
    assert.equal(e.acr, L('authenticated'));
    assert.equal(e.satisfied, false);
    assert.match(e.reason ?? '', /no verified coreIdentity/);
  });

  it('a P1 coreIdentity reaches low only', () => {
    const base = oneLoginAssertion();
    const e = evaluateAssertion(
      tf,
      { ...base, coreIdentity: { ...base.coreIdentity!, vot: 'P1' } },
      L('substantial'),
    );
    assert.equal(e.achieved.identity, 'low');
    assert.equal(e.acr, L('low'));
    assert.equal(e.satisfied, false);
  });

  it('Cl with a coreIdentity (a vector One Login refuses) gives no identity', () => {
    const e = evaluateAssertion(tf, oneLoginAssertion({ vot: 'Cl' }), L('low'));
    assert.deepEqual(e.achieved, { identity: 'none', authentication: 'low' });
    assert.equal(e.satisfied, false);
  });

  it('a vot carrying an identity part is still read by its credential part and the coreIdentity', () => {
    const e = evaluateAssertion(
      tf,
      oneLoginAssertion({ vot: 'Cl.Cm.P2', coreIdentity: undefined }),
      L('low'),
    );
    assert.equal(e.achieved.identity, 'none');
  });

  it('an unknown requested acr is invalid_request', () => {
    assert.throws(() => evaluateAssertion(tf, oneLoginAssertion(), 'Cl.Cm.P2'), { code: 'invalid_request' });
  });
});

describe('evaluateAssertion: never maps up (properties over every vocabulary combination)', () => {
  const spAcr = Object.keys(tf.schemes.singpass.assurance.acr);
  const spAmr = Object.keys(tf.schemes.singpass.assurance.amr);
  const vtr = tf.schemes.onelogin.assurance.vtr;
  const requested = fc.constantFrom(...levels.map((l) => l.acr));
  const levelOf = (acr: string) => levels.find((l) => l.acr === acr)!;
  const atMost = (a: Tier, ceiling: Tier) => compareTier(a, ceiling) <= 0;

  const checkCommon = (e: ReturnType<typeof evaluateAssertion>, acr: string) => {
    const req = levelOf(acr);
    const meets =
      meetsTier(e.achieved.identity, req.identity) &&
      meetsTier(e.achieved.authentication, req.authentication);
    assert.equal(e.satisfied, meets, 'satisfied iff achieved ≥ required in both dimensions');
    if (e.acr !== undefined) {
      const got = levelOf(e.acr);
      assert.ok(
        meetsTier(e.achieved.identity, got.identity) &&
          meetsTier(e.achieved.authentication, got.authentication),
      );
      // no higher level is also reached
      for (const l of levels.slice(levels.indexOf(got) + 1)) {
        assert.ok(
          !(
            meetsTier(e.achieved.identity, l.identity) &&
            meetsTier(e.achieved.authentication, l.authentication)
          ),
        );
      }
    }
  };

  it('Singpass: achieved tiers never exceed the declared mapping of the acr (nor the account-type cap)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...spAcr), fc.string()),
        fc.array(fc.oneof(fc.constantFrom(...spAmr), fc.string()), { maxLength: 4 }),
        fc.constantFrom('standard', 'foreign', undefined),
        requested,
        (acr, amr, accountType, want) => {
          const e = evaluateAssertion(tf, singpassAssertion({ acr, amr, accountType }), want);
          const declared = tf.schemes.singpass.assurance.acr[acr];
          const cap = tf.schemes.singpass.assurance.accountTypes[accountType ?? 'unknown'].identity;
          if (!spAcr.includes(acr) || !declared) {
            assert.deepEqual(e.achieved, { identity: 'none', authentication: 'none' });
          } else {
            assert.ok(atMost(e.achieved.identity, declared.identity));
            assert.ok(atMost(e.achieved.identity, cap));
            assert.ok(atMost(e.achieved.authentication, declared.authentication));
          }
          checkCommon(e, want);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('One Login: achieved tiers never exceed the declared vector; identity only with a coreIdentity', () => {
    const credentials = ['Cl', 'Cl.Cm', 'Cm', 'Cl.Cm.P2', ''];
    const pLevels = ['P0', 'P1', 'P2', 'P3', 'Cl.Cm', ''];
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...credentials), fc.string()),
        fc.option(fc.oneof(fc.constantFrom(...pLevels), fc.string()), { nil: undefined }),
        requested,
        (vot, coreVot, want) => {
          const base = oneLoginAssertion();
          const assertion: OneLoginAssertion = {
            ...base,
            vot,
            coreIdentity: coreVot === undefined ? undefined : { ...base.coreIdentity!, vot: coreVot },
          };
          const e = evaluateAssertion(tf, assertion, want);
          const credential = vot
            .split('.')
            .filter((c) => c.startsWith('C'))
            .join('.');
          const credEntry = Object.hasOwn(vtr, credential) ? vtr[credential] : undefined;
          if (!credEntry) assert.deepEqual(e.achieved, { identity: 'none', authentication: 'none' });
          else assert.ok(atMost(e.achieved.authentication, credEntry.authentication));
          if (coreVot === undefined) assert.equal(e.achieved.identity, 'none');
          else {
            const key = `${credential}.${coreVot}`;
            const vecEntry = Object.hasOwn(vtr, key) ? vtr[key] : undefined;
            assert.ok(atMost(e.achieved.identity, vecEntry?.identity ?? 'none'));
          }
          checkCommon(e, want);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('exhaustively: every declared value × every account type / coreIdentity × every level', () => {
    for (const want of levels.map((l) => l.acr)) {
      for (const acr of spAcr) {
        for (const accountType of ['standard', 'foreign', undefined] as const) {
          checkCommon(evaluateAssertion(tf, singpassAssertion({ acr, accountType }), want), want);
        }
      }
      for (const vot of ['Cl', 'Cl.Cm']) {
        for (const p of [undefined, 'P0', 'P1', 'P2']) {
          const base = oneLoginAssertion();
          const a = {
            ...base,
            vot,
            coreIdentity: p === undefined ? undefined : { ...base.coreIdentity!, vot: p },
          };
          checkCommon(evaluateAssertion(tf, a, want), want);
        }
      }
    }
  });
});
