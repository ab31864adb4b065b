import { GovbridgeError } from '../kernel/index.ts';
import type { OneLoginAuthRequest, SchemeAuthRequest, SchemeId, SingpassAuthRequest } from './assertions.ts';
import { checkAttributes, hubLevelOf } from './catalogue.ts';
import type { HubLevel, TrustFramework, VocabularyEntry } from './schema.ts';
import { compareTier, meetsTier } from './tiers.ts';
import { vocabularyOf } from './validate-trust-framework.ts';

/**
 * Translate the hub level a relying party asked for into the scheme's own vocabulary: never forward
 * the hub's `acr_values` upstream (Keycloak #39813: a broker that forwards them breaks providers with
 * their own vocabulary).
 *
 * Rules:
 * - ask for the LOWEST requestable scheme value whose declared tiers meet the level in both dimensions
 *   (a relying party asking for less must not force a stronger login on the person);
 * - when none does, `unmet_authentication_requirements`, naming the scheme's best;
 * - scopes (and One Login userinfo claims) are those the requested attributes need; attributes the
 *   scheme cannot supply are simply not asked for (they stay missing);
 * - One Login identity claims are asked only with an identity vector (P1/P2): One Login sends them only
 *   then (docs.sign-in.service.gov.uk, "prove your user's identity").
 */
/** Singpass FAPI scope that returns `sub_attributes.account_type` and the identity number. */
export const SINGPASS_IDENTITY_SCOPE = 'user.identity';

export function translateRequest(
  tf: TrustFramework,
  scheme: SchemeId,
  hubAcr: string,
  attributes: readonly string[],
): SchemeAuthRequest {
  const level = hubLevelOf(tf, hubAcr);
  checkAttributes(tf, attributes);
  const value = lowestReaching(tf, scheme, level);
  const mappings = attributes.map((a) => tf.schemes[scheme].claims[a]).filter((m) => m !== undefined);
  const scopes = unique(['openid', ...mappings.flatMap((m) => m.scopes)]);

  if (scheme === 'singpass') {
    // `user.identity` is always asked: the account type it returns in `sub_attributes` decides the
    // identity tier (a foreign account is not enrolled against the national register), so without
    // it a Singpass login can never be read above low identity. The NRIC/FIN that comes with it is
    // used for nothing else and is never released as a claim.
    const request: SingpassAuthRequest = {
      scheme,
      acrValues: [value.key],
      scopes: unique(['openid', SINGPASS_IDENTITY_SCOPE, ...scopes.slice(1)]),
    };
    return Object.freeze(request);
  }
  const identityVector = compareTier(value.entry.identity, 'none') > 0;
  const declared = tf.schemes.onelogin.userinfoClaims;
  // With an identity vector, the claims that carry the identity result itself (coreIdentityJWT, and
  // returnCode so that a failed identity check comes back as codes rather than as access_denied)
  // are asked for whatever attributes were requested: the level cannot be judged without them.
  const always = identityVector
    ? Object.entries(declared)
        .filter(([, d]) => d.alwaysWithIdentity)
        .map(([c]) => c)
    : [];
  const userinfoClaims = unique([...always, ...mappings.flatMap((m) => m.userinfoClaims ?? [])]).filter(
    (c) => identityVector || !declared[c]?.identityOnly,
  );
  const request: OneLoginAuthRequest = { scheme, vtr: [value.key], scopes, userinfoClaims };
  return Object.freeze(request);
}

interface Candidate {
  readonly key: string;
  readonly entry: VocabularyEntry;
}

function lowestReaching(tf: TrustFramework, scheme: SchemeId, level: HubLevel): Candidate {
  const requestable = Object.entries(vocabularyOf(tf.schemes[scheme]).entries)
    .filter(([, e]) => e.requestable)
    .map(([key, entry]) => ({ key, entry }));
  const reaching = requestable
    .filter(
      (c) =>
        meetsTier(c.entry.identity, level.identity) &&
        meetsTier(c.entry.authentication, level.authentication),
    )
    .sort(byStrength);
  if (reaching[0]) return reaching[0];

  const best = [...requestable].sort(byStrength).at(-1);
  const name = tf.schemes[scheme].displayName;
  const bestText = best
    ? `its strongest request, "${best.key}", gives identity ${best.entry.identity} and authentication ${best.entry.authentication}${describeReach(tf, best.entry)}`
    : 'it has no requestable level';
  throw new GovbridgeError(
    'unmet_authentication_requirements',
    `${name} cannot reach "${level.acr}" (identity ${level.identity}, authentication ${level.authentication}): ${bestText}. Ask for a lower acr or offer another scheme (trust framework ${tf.version}).`,
    { detail: { scheme, acr: level.acr, best: best?.key } },
  );
}

function describeReach(tf: TrustFramework, e: VocabularyEntry): string {
  const reached = tf.hubLevels.filter(
    (l) => meetsTier(e.identity, l.identity) && meetsTier(e.authentication, l.authentication),
  );
  const top = reached.at(-1);
  return top ? `, which reaches "${top.acr}"` : '';
}

/** Weaker first: authentication, then identity (the person's effort is mostly authentication). */
function byStrength(a: Candidate, b: Candidate): number {
  return (
    compareTier(a.entry.authentication, b.entry.authentication) ||
    compareTier(a.entry.identity, b.entry.identity)
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
