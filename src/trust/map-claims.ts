import type { SchemeAssertion } from './assertions.ts';
import { checkAttributes } from './catalogue.ts';
import type { ClaimSource, ClaimValue, MappedClaims, VerifiedClaims } from './claim-types.ts';
import { evaluateAssertion } from './evaluate-assertion.ts';
import { resolveSource } from './resolve-source.ts';
import type { ClaimFallback, ClaimMapping, TrustFramework } from './schema.ts';
import { TRANSFORMS } from './transforms.ts';

/**
 * Map a verified assertion into the common claim set, with provenance.
 *
 * Rules:
 * - only requested claims, and only those the scheme actually supplied: a missing claim stays missing
 *   (no defaults, no splitting Singpass's single `name` into parts, no guessed codes);
 * - a Myinfo attribute marked unavailable, or with `source` "3" (not applicable), is missing;
 * - a claim is also placed in `verified_claims` (OpenID Connect for Identity Assurance 1.0 §5) when the
 *   mapping says it is verified, the claim is verifiable, and the login proved an identity (tier above
 *   none); `verification` names the scheme's trust framework and the govbridge trust-framework version;
 * - a mapping may name a `fallback` source, read only when its own source gives nothing: Singpass
 *   `name`, `email`, `phone_number` come from Myinfo (userinfo, `person.*`) when there is one, else
 *   from the ID token's `sub_attributes` (Login apps). Myinfo wins because its attributes carry
 *   provenance (`source` "1" = government-verified) that `sub_attributes` strings do not;
 * - every released claim records where it came from (`sources`): the source actually used.
 */
export function mapClaims(
  tf: TrustFramework,
  assertion: SchemeAssertion,
  requestedAttributes: readonly string[],
): MappedClaims {
  checkAttributes(tf, requestedAttributes);
  const scheme = tf.schemes[assertion.scheme];
  const identity = evaluateAssertion(tf, assertion, tf.hubLevels[0]!.acr);
  const identityProven = identity.achieved.identity !== 'none';

  const claims: Record<string, ClaimValue> = {};
  const verified: Record<string, ClaimValue> = {};
  const sources: Record<string, ClaimSource> = {};

  for (const name of new Set(requestedAttributes)) {
    const m: ClaimMapping | undefined = scheme.claims[name];
    if (!m) continue;
    // The mapping's own source first; its fallback only when that gives nothing.
    let used: ClaimFallback = m;
    let value = readSource(tf, assertion, m);
    if (value === undefined && m.fallback !== undefined) {
      used = m.fallback;
      value = readSource(tf, assertion, m.fallback);
    }
    if (value === undefined) continue;
    const isVerified =
      identityProven &&
      tf.claims[name]!.verifiable &&
      (used.verified === 'always' ||
        (used.verified === 'myinfo-source' &&
          assertion.scheme === 'singpass' &&
          myinfoAttribute(assertion.person, used.source)?.['source'] === '1'));
    claims[name] = value;
    if (isVerified) verified[name] = value;
    sources[name] = Object.freeze({
      scheme: assertion.scheme,
      source: used.source,
      ...(used.transform === undefined ? {} : { transform: used.transform }),
      verified: isVerified,
    });
  }

  let verifiedClaims: VerifiedClaims | undefined;
  if (Object.keys(verified).length > 0) {
    const vectorEntry =
      assertion.scheme === 'onelogin' ? tf.schemes.onelogin.assurance.vtr[identity.schemeValue] : undefined;
    verifiedClaims = {
      verification: {
        trust_framework: scheme.idaTrustFramework,
        // uk_tfida: GPG 45 confidence (low/medium) from the vector; sg_singpass (govbridge's own id): the
        // govbridge identity tier, which is the only scale that framework id has.
        assurance_level:
          assertion.scheme === 'onelogin'
            ? (vectorEntry?.idaAssuranceLevel ?? identity.achieved.identity)
            : identity.achieved.identity,
        verification_process: scheme.idaVerificationProcess,
        'urn:govbridge:trust_framework_version': tf.version,
      },
      claims: verified,
    };
  }

  return deepFreeze({
    claims,
    ...(verifiedClaims ? { verified_claims: verifiedClaims } : {}),
    sources,
    trustFrameworkVersion: tf.version,
  });
}

/** One source of a mapping; a Myinfo attribute marked unavailable or not applicable gives nothing. */
function readSource(
  tf: TrustFramework,
  assertion: SchemeAssertion,
  m: ClaimFallback,
): ClaimValue | undefined {
  if (assertion.scheme === 'singpass' && !myinfoAvailable(assertion.person, m.source)) return undefined;
  const raw = resolveSource(assertion, m.source);
  if (m.transform === undefined) return plain(raw);
  const table = m.table === undefined ? undefined : tf.schemes[assertion.scheme].tables[m.table];
  return TRANSFORMS[m.transform]!.apply(raw, { table });
}

/** Without a transform only scalars are released: strings (trimmed, non-empty) and booleans. */
function plain(v: unknown): ClaimValue | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

/** `person.regadd.…` → the Myinfo attribute object `person.regadd`. */
function myinfoAttribute(
  person: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  source: string,
): Readonly<Record<string, unknown>> | undefined {
  const m = /^person\.([^.[\]]+)/.exec(source);
  if (!m || !Object.hasOwn(person, m[1]!)) return undefined;
  const attr = person[m[1]!];
  return attr !== null && typeof attr === 'object' ? attr : undefined;
}

/** Myinfo marks absent data with `unavailable: true` or `source: "3"` (not applicable to the person). */
function myinfoAvailable(
  person: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  source: string,
): boolean {
  if (!source.startsWith('person.')) return true;
  const attr = myinfoAttribute(person, source);
  return attr !== undefined && attr['unavailable'] !== true && attr['source'] !== '3';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
