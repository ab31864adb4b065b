import { GovbridgeError, isGovbridgeError } from '../../../kernel/index.ts';
import { type ConsentedDecision, decideConsentedRelease } from '../../../policy/index.ts';
import { mapClaims, type SchemeAssertion, type SchemeId } from '../../../trust/index.ts';
import { findOrCreateAccount } from '../../accounts.ts';
import type { ClientInfo } from '../../client-registry.ts';
import type { LoginDeps, LoginStep, WithheldAttribute } from '../login-state.ts';
import { startTraceOf } from '../tracing.ts';
import { requestedAttributes } from './translate-request.ts';

/**
 * Decide the release: which of the attributes asked for may go to this service.
 *
 * Rules it enforces:
 * - every attribute asked for (within what the service registered) is put to the release policy
 *   BEFORE any is mapped — classification × the service's hosting environment × purpose and legal
 *   basis; a denied attribute is never mapped, sealed or released, and one the scheme supplied is
 *   named as withheld, with the deciding policy, to the citizen and to the service;
 * - the policy is told what the citizen has agreed to, per attribute (`consentGiven`): the attributes
 *   of their unwithdrawn consent for this service and purpose. One they have not agreed to is asked
 *   with `consentGiven: false`; if only the lack of consent refuses it, it goes on the consent page
 *   and is released only once they agree there (check consent) — policy/consented-release.ts;
 * - a service whose hosting environment the registry does not know gets nothing (`access_denied`);
 * - claims are mapped through the trust framework into the common claim set, with provenance
 *   (`verified_claims`);
 * - the account is the (scheme, subject) pair: never linked to another on its own;
 * - attributes the scheme cannot supply here (a scope it does not support) are named as unavailable.
 */
export const decideRelease: LoginStep = {
  name: 'decide release',
  phase: 'upstream',
  async run(login, deps) {
    const { scheme } = login;
    const client = login.client!;
    const assertion = login.assertion!;
    const attributes = requestedAttributes(login.details.params, client);
    const accountId = await findOrCreateAccount(deps.storage, scheme, assertion.subject, deps.clock);
    // What this citizen has already agreed to give this service, for this purpose (none: a first
    // login, or their consent was withdrawn).
    const agreed =
      attributes.length === 0
        ? []
        : ((await deps.consents.active(accountId, client.clientId, client.purpose))?.attributes ?? []);
    const { mapped, withheld, decisions } = applyPolicy(deps, scheme, client, assertion, attributes, agreed);
    const claims: Record<string, unknown> = { ...mapped.claims };
    if (mapped.verified_claims) claims['verified_claims'] = mapped.verified_claims;
    const unavailable = unavailableHere(deps, scheme, attributes, login.transaction?.unsupportedScopes);
    login.result = {
      accountId,
      scheme,
      acr: login.acr!,
      amr: login.amr!,
      authTime: assertion.authTime,
      claims,
      sources: mapped.sources,
      attributes: Object.keys(mapped.claims),
      withheld,
      decisions,
      ...(unavailable.length > 0 ? { unavailable } : {}),
      trustFrameworkVersion: deps.trust.version,
      ...startTraceOf(login.transaction),
    };
    return 'next';
  },
};

function applyPolicy(
  deps: LoginDeps,
  scheme: LoginStepScheme,
  client: ClientInfo,
  assertion: SchemeAssertion,
  attributes: string[],
  agreed: readonly string[],
): { mapped: ReturnType<typeof mapClaims>; withheld: WithheldAttribute[]; decisions: string[] } {
  if (attributes.length === 0)
    return { mapped: mapClaims(deps.trust, assertion, []), withheld: [], decisions: [] };
  let decisions: ConsentedDecision[];
  try {
    decisions = decideConsentedRelease(deps.policy, {
      recipient: {
        kind: 'service',
        id: client.clientId,
        name: client.name,
        country: client.country,
        environment: client.environment,
      },
      attributes,
      purpose: client.purpose,
      crossBorder: deps.trust.schemes[scheme].country !== client.country,
      agreed,
      // The consent page (or a consent that covers the release) comes before anything is released.
      stage: 'before-asking',
    });
  } catch (err) {
    if (isGovbridgeError(err) && err.code === 'environment_unknown') {
      throw new GovbridgeError(
        'access_denied',
        'The service has not registered a hosting environment the hub knows (govbridge_environment), so nothing can be released to it',
        { cause: err },
      );
    }
    throw err;
  }
  const allowed = decisions.filter((d) => d.decision === 'allow').map((d) => d.attribute);
  const denied = decisions.filter((d) => d.decision === 'deny');
  const decidedBy = [...new Set(decisions.flatMap((d) => d.policies))];
  if (denied.length === 0)
    return { mapped: mapClaims(deps.trust, assertion, attributes), withheld: [], decisions: decidedBy };
  const supplied = new Set(
    Object.keys(
      mapClaims(
        deps.trust,
        assertion,
        denied.map((d) => d.attribute),
      ).claims,
    ),
  );
  return {
    decisions: decidedBy,
    mapped: mapClaims(deps.trust, assertion, allowed),
    withheld: denied
      .filter((d) => supplied.has(d.attribute))
      .map((d) => ({ attribute: d.attribute, policies: [...d.policies], reason: d.reason })),
  };
}

type LoginStepScheme = SchemeId;

/** Requested attributes that need a scope the scheme's upstream does not support (not asked for). */
function unavailableHere(
  deps: LoginDeps,
  scheme: LoginStepScheme,
  attributes: readonly string[],
  unsupportedScopes: unknown,
): string[] {
  if (!Array.isArray(unsupportedScopes) || unsupportedScopes.length === 0) return [];
  const claims = deps.trust.schemes[scheme].claims;
  return attributes.filter((a) => (claims[a]?.scopes ?? []).some((s) => unsupportedScopes.includes(s)));
}
