import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimsParameterNames, requestedLevel, resultingAcr } from './requested-assurance.ts';

const L = ['urn:govbridge:loa:low', 'urn:govbridge:loa:substantial', 'urn:govbridge:loa:high'];
const [low, sub, high] = L as [string, string, string];

test('requested level: lowest listed acr_values, raised to the client floor', () => {
  assert.equal(requestedLevel(L, { acr_values: `${sub} ${low}` }, low).required, low);
  assert.equal(requestedLevel(L, { acr_values: low }, sub).required, sub);
  assert.equal(requestedLevel(L, {}, sub).required, sub);
  assert.equal(requestedLevel(L, { acr_values: 'urn:other:thing' }, low).required, low);
  assert.equal(requestedLevel(L, { acr_values: high }, low).required, high);
});

test('requested level: acr in the claims parameter (object or JSON string)', () => {
  const claims = { id_token: { acr: { essential: true, values: [high] } } };
  assert.equal(requestedLevel(L, { claims }, low).required, high);
  assert.equal(requestedLevel(L, { claims: JSON.stringify(claims) }, low).required, high);
  assert.equal(requestedLevel(L, { claims: '{not json' }, low).required, low);
  assert.deepEqual(
    claimsParameterNames(JSON.stringify({ userinfo: { address: null }, id_token: { acr: null } })),
    ['acr', 'address'],
  );
});

test('resulting acr: highest achieved among those asked, else highest achieved', () => {
  const achieved = (l: string) => l !== high;
  assert.equal(resultingAcr(L, [low, sub], achieved), sub);
  assert.equal(resultingAcr(L, [low], achieved), low);
  assert.equal(resultingAcr(L, [], achieved), sub);
  assert.equal(
    resultingAcr(L, [high], () => false),
    undefined,
  );
});
