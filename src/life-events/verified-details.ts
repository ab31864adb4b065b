import type { ConsentService } from '../consent/index.ts';
import type { JourneyStore, SavedJourney, VerifiedDetails } from './journey-store.ts';
import type { Catalogue, Fact } from './types.ts';

/**
 * Verified details on a life-event journey (issue "Life events"): facts whose catalogue entry names
 * `verifiedFrom: <common claim>` can be answered from a national sign-in, only with the citizen's
 * consent (recorded for the hub's own life-events "client"), and the verified value wins over an
 * answer the citizen typed.
 */
export const LIFE_EVENTS_CLIENT_ID = 'govbridge-life-events';
export const LIFE_EVENTS_PURPOSE = 'To personalise your life-event journey';

/** The facts among `factIds` that a verified claim can answer, in the same order. */
export function verifiableFacts(catalogue: Catalogue, factIds: readonly string[]): Fact[] {
  return factIds
    .map((id) => catalogue.facts.get(id))
    .filter((f): f is Fact => f !== undefined && typeof f.verifiedFrom === 'string');
}

/**
 * A verified claim as a value of the fact's type, or undefined when the shapes do not fit (the
 * question is then asked as usual): dates as `YYYY-MM-DD` strings; a string fact takes a string claim
 * or an address's `formatted` text.
 */
export function claimAsFact(fact: Fact, claim: unknown): string | undefined {
  if (fact.type === 'date') {
    return typeof claim === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(claim) ? claim : undefined;
  }
  if (fact.type === 'string') {
    if (typeof claim === 'string' && claim.trim() !== '') return claim;
    if (claim && typeof claim === 'object' && !Array.isArray(claim)) {
      const formatted = (claim as Record<string, unknown>)['formatted'];
      if (typeof formatted === 'string' && formatted.trim() !== '') return formatted;
    }
  }
  return undefined;
}

/** Fact id → verified value for the facts among `factIds` the journey's verified details answer. */
export function verifiedFactValues(
  catalogue: Catalogue,
  factIds: readonly string[],
  verified: VerifiedDetails | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!verified) return out;
  for (const fact of verifiableFacts(catalogue, factIds)) {
    const value = claimAsFact(fact, verified.claims[fact.verifiedFrom!]);
    if (value !== undefined) out[fact.id] = value;
  }
  return out;
}

/**
 * The citizen agreed and the national sign-in returned: record the consent for the attributes that
 * came back and keep them, sealed, on the journey. False (nothing recorded) when the journey is not
 * this account's or no asked-for attribute came back.
 */
export async function recordVerifiedDetails(
  deps: { journeys: JourneyStore; consents: ConsentService },
  input: {
    accountId: string;
    journeyId: string;
    scheme: string;
    trustFrameworkVersion: string;
    claims: Readonly<Record<string, unknown>>;
    at: Date;
  },
): Promise<SavedJourney | undefined> {
  const journey = await deps.journeys.get(input.accountId, input.journeyId);
  const attributes = Object.keys(input.claims);
  if (!journey || attributes.length === 0) return undefined;
  // One active consent per account covers every journey's verified details (a new grant replaces
  // the old one), so it names what the old one did too; withdrawing it removes them all.
  const previous = (await deps.consents.list(input.accountId)).find(
    (c) => c.clientId === LIFE_EVENTS_CLIENT_ID && c.withdrawnAt === null,
  );
  const consent = await deps.consents.grant({
    accountId: input.accountId,
    clientId: LIFE_EVENTS_CLIENT_ID,
    attributes: [...new Set([...(previous?.attributes ?? []), ...attributes])],
    purpose: LIFE_EVENTS_PURPOSE,
    trustFrameworkVersion: input.trustFrameworkVersion,
  });
  await deps.journeys.setVerified(input.accountId, input.journeyId, {
    claims: input.claims,
    scheme: input.scheme,
    trustFrameworkVersion: input.trustFrameworkVersion,
    verifiedAt: input.at.toISOString(),
    consentId: consent.consentId,
  });
  return deps.journeys.get(input.accountId, input.journeyId);
}
