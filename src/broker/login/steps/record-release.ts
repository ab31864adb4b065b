import { ACCESS_TOKEN_TTL_SECONDS, SCOPE_CLAIMS, WITHHELD_CLAIM } from '../../provider.ts';
import { releaseLedgerRecord, recordRelease as saveRelease } from '../../releases.ts';
import type { LoginStep } from '../login-state.ts';
import { claimsParameterNames } from '../requested-assurance.ts';

/**
 * Record the release: the grant the relying party's tokens will carry, the sealed claims behind
 * them, the release record and its ledger entry.
 *
 * Rules it enforces:
 * - the grant has only the scopes the hub knows and, from the `claims` parameter, only the
 *   attributes released (plus acr, amr, auth_time, sid);
 * - released claims are sealed at rest and kept only until the grant's tokens expire; withheld
 *   attributes are named to the service in `govbridge_withheld` with the deciding policy;
 * - every release is recorded (attributes released, those withheld with the deciding policy ids,
 *   the trust-framework version, the consent) and appended to the transparency ledger BEFORE the
 *   service gets anything; a crash between the two is healed at the next start
 *   (`appendUnledgeredReleases`).
 */
export const recordRelease: LoginStep = {
  name: 'record release',
  phase: 'upstream',
  async run(login, deps) {
    const result = login.result!;
    const client = login.client!;
    const params = login.details.params;
    const grant = new deps.provider.Grant({ accountId: result.accountId, clientId: client.clientId });
    const scope = typeof params['scope'] === 'string' ? params['scope'] : 'openid';
    grant.addOIDCScope(scope.split(' ').filter((s) => s in SCOPE_CLAIMS));
    const asked = claimsParameterNames(params['claims']);
    const allowedExtra = new Set(['acr', 'amr', 'auth_time', 'sid', ...result.attributes]);
    if (asked.length > 0) grant.addOIDCClaims(asked.filter((c) => allowedExtra.has(c)));
    const grantId = await grant.save();
    // Results sealed before the policy step existed carry no `withheld`.
    const withheld = result.withheld ?? [];
    const claims =
      withheld.length === 0
        ? result.claims
        : {
            ...result.claims,
            [WITHHELD_CLAIM]: withheld.map((w) => ({ claim: w.attribute, policy: w.policies[0] })),
          };
    await deps.grantClaims.put(grantId, result.accountId, claims, ACCESS_TOKEN_TTL_SECONDS * 2);
    const release = {
      accountId: result.accountId,
      clientId: client.clientId,
      clientCountry: client.country,
      attributes: result.attributes,
      withheld: withheld.map((w) => ({ attribute: w.attribute, policies: w.policies })),
      decisions: result.decisions ?? [],
      acr: result.acr,
      scheme: result.scheme,
      trustFrameworkVersion: result.trustFrameworkVersion,
      consentId: login.consentId ?? null,
      grantId,
      at: deps.clock.now(),
    };
    const releaseId = await saveRelease(deps.storage, release);
    if (deps.ledger) await deps.ledger.append(releaseLedgerRecord(releaseId, release));
    login.grantId = grantId;
    return 'next';
  },
};
