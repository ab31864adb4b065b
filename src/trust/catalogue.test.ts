import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareTier, hubLevels, isSchemeId, loadTrustFramework, minTier, schemeOf, TIERS } from './index.ts';
import { TRUST_FRAMEWORK_FILE } from './test-fixtures.ts';

const tf = loadTrustFramework(TRUST_FRAMEWORK_FILE);

describe('helpers', () => {
  it('compareTier orders none < low < substantial < high', () => {
    for (const [i, a] of TIERS.entries()) {
      for (const [j, b] of TIERS.entries()) assert.equal(Math.sign(compareTier(a, b)), Math.sign(i - j));
    }
    assert.equal(minTier('high', 'low'), 'low');
  });

  it('hubLevels are listed lowest first, each requiring at least as much as the last', () => {
    const levels = hubLevels(tf);
    for (let i = 1; i < levels.length; i++) {
      assert.ok(compareTier(levels[i]!.identity, levels[i - 1]!.identity) >= 0);
      assert.ok(compareTier(levels[i]!.authentication, levels[i - 1]!.authentication) >= 0);
    }
    for (const l of levels) assert.ok(l.equivalents.eidas && l.equivalents.nist && l.equivalents.gpg45);
  });

  it('schemeOf returns the scheme, and refuses an unknown one as invalid_request', () => {
    assert.equal(schemeOf(tf, 'onelogin').displayName, 'GOV.UK One Login');
    assert.equal(schemeOf(tf, 'singpass').country, 'SG');
    assert.equal(isSchemeId('eidas'), false);
    assert.throws(() => schemeOf(tf, 'eidas'), {
      code: 'invalid_request',
      message: /Unknown identity scheme "eidas"/,
    });
  });
});
