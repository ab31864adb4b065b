import type { OneLoginAssertion, SchemeAssertion, SingpassAssertion, Tier } from './assertions.ts';
import { hubLevelOf } from './catalogue.ts';
import type { TrustFramework } from './schema.ts';
import { compareTier, meetsTier, minTier } from './tiers.ts';
import { credentialPart } from './validate-trust-framework.ts';

export interface AchievedTiers {
  readonly identity: Tier;
  readonly authentication: Tier;
}

interface EvaluationBase {
  readonly achieved: AchievedTiers;
  /** RFC 8176 values for the relying party's ID token (a fresh array each call). */
  readonly amr: string[];
  /** The scheme value the tiers were read from, e.g. `urn:singpass:authentication:loa:2` or `Cl.Cm.P2`. */
  readonly schemeValue: string;
  readonly trustFrameworkVersion: string;
}

/**
 * `acr` is the highest hub level achieved. When the requested level is met it is always defined (the
 * requested level itself is achieved); otherwise it is `undefined` if the login reaches no hub level at
 * all (only an unknown scheme value does that), and `reason` says what was missing.
 */
export type AssuranceEvaluation =
  | (EvaluationBase & { readonly satisfied: true; readonly acr: string; readonly reason?: undefined })
  | (EvaluationBase & {
      readonly satisfied: false;
      readonly acr: string | undefined;
      readonly reason: string;
      /** The dimensions that fell short of the requested level. */
      readonly shortOf: readonly ('identity' | 'authentication')[];
    });

/**
 * Read a verified assertion into common tiers and the hub levels it reaches.
 *
 * Rules (map down, never up):
 * - only the verified assertion counts, never what was asked for (Keycloak #25335: step-up lost after a
 *   brokered login); an unknown scheme value reads as none/none;
 * - Singpass: tiers from `acr`; identity capped by account type (foreign or unknown accounts are not
 *   register-enrolled); authentication read down to low when `amr` shows password only;
 * - One Login: authentication from the ID token's `vot` (credential part only); identity only from a
 *   verified coreIdentity, at its `vot` joined to the credential part; no coreIdentity = identity none;
 * - `satisfied` iff both achieved tiers meet the requested level's minimums.
 */
export function evaluateAssertion(
  tf: TrustFramework,
  assertion: SchemeAssertion,
  requestedHubAcr: string,
): AssuranceEvaluation {
  const requested = hubLevelOf(tf, requestedHubAcr);
  const read = assertion.scheme === 'singpass' ? readSingpass(tf, assertion) : readOneLogin(tf, assertion);
  const { achieved } = read;
  const reached = tf.hubLevels.filter(
    (l) => meetsTier(achieved.identity, l.identity) && meetsTier(achieved.authentication, l.authentication),
  );
  const satisfied =
    meetsTier(achieved.identity, requested.identity) &&
    meetsTier(achieved.authentication, requested.authentication);
  const short: string[] = [];
  if (!meetsTier(achieved.identity, requested.identity))
    short.push(`identity ${requested.identity} (got ${achieved.identity})`);
  if (!meetsTier(achieved.authentication, requested.authentication))
    short.push(`authentication ${requested.authentication} (got ${achieved.authentication})`);
  const base: EvaluationBase = {
    achieved: Object.freeze(achieved),
    amr: read.amr,
    schemeValue: read.schemeValue,
    trustFrameworkVersion: tf.version,
  };
  const top = reached.at(-1)?.acr;
  if (satisfied && top !== undefined) return Object.freeze({ ...base, satisfied: true, acr: top });
  const scheme = tf.schemes[assertion.scheme].displayName;
  const notes = read.notes.length > 0 ? ` (${read.notes.join('; ')})` : '';
  return Object.freeze({
    ...base,
    satisfied: false,
    acr: top,
    reason: `${scheme} login "${read.schemeValue}" does not meet "${requested.acr}": it needs ${short.join(' and ')}${notes}`,
    shortOf: [
      ...(meetsTier(achieved.identity, requested.identity) ? [] : (['identity'] as const)),
      ...(meetsTier(achieved.authentication, requested.authentication) ? [] : (['authentication'] as const)),
    ],
  });
}

interface Reading {
  readonly achieved: AchievedTiers;
  readonly amr: string[];
  readonly schemeValue: string;
  readonly notes: string[];
}

const NONE: AchievedTiers = { identity: 'none', authentication: 'none' };

function readSingpass(tf: TrustFramework, a: SingpassAssertion): Reading {
  const sp = tf.schemes.singpass.assurance;
  const notes: string[] = [];
  // No acr in the ID token: read at the lowest level the framework declares (map down, never up).
  const acrValue = a.acr ?? lowestSingpassAcr(tf);
  if (a.acr === undefined)
    notes.push(`no acr in the ID token: read as the lowest Singpass level ${acrValue}`);
  const entry = Object.hasOwn(sp.acr, acrValue) ? sp.acr[acrValue] : undefined;
  if (!entry)
    return { achieved: NONE, amr: [], schemeValue: acrValue, notes: [`unknown Singpass acr "${acrValue}"`] };

  const accountType = a.accountType ?? 'unknown';
  const identity = minTier(entry.identity, sp.accountTypes[accountType].identity);
  if (identity !== entry.identity)
    notes.push(`identity read down to ${identity} for a ${accountType} account`);

  // amr: translate to RFC 8176 and see which kinds of factor were used. Unknown values are dropped.
  const known = a.amr.filter((v) => Object.hasOwn(sp.amr, v)).map((v) => sp.amr[v]!);
  const factors = new Set(known.map((k) => k.factor).filter((f) => f !== 'session'));
  const passwordOnly = factors.size === 1 && factors.has('knowledge');
  let authentication = entry.authentication;
  if (passwordOnly) {
    authentication = minTier(authentication, 'low');
    if (authentication !== entry.authentication)
      notes.push('authentication read down to low: amr shows password only');
  }
  const amr = new Set(known.map((k) => k.rfc8176).filter((v): v is string => v !== undefined));
  if (factors.size >= 2) amr.add('mfa');
  if (!passwordOnly) for (const v of entry.amr) amr.add(v);
  return { achieved: { identity, authentication }, amr: [...amr], schemeValue: acrValue, notes };
}

/** The declared Singpass acr with the weakest reading (authentication first, then identity). */
function lowestSingpassAcr(tf: TrustFramework): string {
  const entries = Object.entries(tf.schemes.singpass.assurance.acr);
  entries.sort(
    ([, x], [, y]) => compareTier(x.authentication, y.authentication) || compareTier(x.identity, y.identity),
  );
  return entries[0]![0];
}

function readOneLogin(tf: TrustFramework, a: OneLoginAssertion): Reading {
  const vtr = tf.schemes.onelogin.assurance.vtr;
  // The ID token's vot should carry only the credential part; read it so even if it does not.
  const credential = credentialPart(a.vot);
  const credentialEntry = Object.hasOwn(vtr, credential) ? vtr[credential] : undefined;
  if (!credentialEntry)
    return { achieved: NONE, amr: [], schemeValue: a.vot, notes: [`unknown One Login vot "${a.vot}"`] };

  const authentication = credentialEntry.authentication;
  if (!a.coreIdentity) {
    // Identity counts only with a verified coreIdentityJWT, whatever was asked for.
    return {
      achieved: { identity: 'none', authentication },
      amr: [...credentialEntry.amr],
      schemeValue: credential,
      notes: ['no verified coreIdentity: identity not proven'],
    };
  }
  const vector = `${credential}.${a.coreIdentity.vot}`;
  const vectorEntry = Object.hasOwn(vtr, vector) ? vtr[vector] : undefined;
  if (!vectorEntry) {
    return {
      achieved: { identity: 'none', authentication },
      amr: [...credentialEntry.amr],
      schemeValue: vector,
      notes: [`unknown One Login vector "${vector}": identity read as none`],
    };
  }
  return {
    achieved: {
      identity: vectorEntry.identity,
      authentication: minTier(authentication, vectorEntry.authentication),
    },
    amr: [...new Set([...credentialEntry.amr, ...vectorEntry.amr])],
    schemeValue: vector,
    notes: [],
  };
}
