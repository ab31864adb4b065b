import { GovbridgeError, uuid } from '../kernel/index.ts';
import {
  appendMissing,
  type Ledger,
  type ReleaseRecord,
  type RepairLog,
  validateReleaseRecord,
} from '../ledger/index.ts';
import type { Storage, Tx } from '../storage/index.ts';

/**
 * Record that attributes of a citizen went to a relying party (the transparency log builds on this):
 * only the attributes released, and beside them those the release policy withheld, with the ids of
 * the deciding policies.
 */
export interface ReleaseInput {
  accountId: string;
  clientId: string;
  /** The service's country (for the ledger entry). */
  clientCountry: string;
  attributes: readonly string[];
  withheld?: readonly { attribute: string; policies: readonly string[] }[];
  /** Ids of the policies that decided the release. */
  decisions?: readonly string[];
  acr: string;
  scheme: string;
  trustFrameworkVersion: string;
  consentId: string | null;
  grantId: string | null;
  at: Date;
}

export async function recordRelease(storage: Storage, r: ReleaseInput): Promise<string> {
  const releaseId = uuid();
  // Validated as the ledger will validate it before anything is written: a release row the ledger
  // then refuses would be a release nobody can see in the log (and, before start-up healing handled
  // rows one by one, a hub that could not start).
  const valid = validateReleaseRecord(releaseLedgerRecord(releaseId, r));
  if (!valid.ok) {
    throw new GovbridgeError(
      'server_error',
      `Release not recorded: its ledger entry would be invalid (${valid.error.message})`,
    );
  }
  await storage.db
    .insertInto('releases')
    .values({
      release_id: releaseId,
      account_id: r.accountId,
      client_id: r.clientId,
      attributes: JSON.stringify(r.attributes),
      withheld: r.withheld && r.withheld.length > 0 ? JSON.stringify(r.withheld) : null,
      decisions: JSON.stringify(r.decisions ?? []),
      acr: r.acr,
      scheme: r.scheme,
      trust_framework_version: r.trustFrameworkVersion,
      consent_id: r.consentId,
      grant_id: r.grantId,
      released_at: r.at.getTime(),
    })
    .execute();
  return releaseId;
}

/** The transparency-ledger record of a release to a service: names only, never values. */
export function releaseLedgerRecord(releaseId: string, r: ReleaseInput): ReleaseRecord {
  return {
    releaseId,
    time: r.at,
    recipient: { kind: 'service', id: r.clientId, country: r.clientCountry as 'GB' | 'SG' },
    released: [...r.attributes],
    withheld: (r.withheld ?? []).map((w) => ({ attribute: w.attribute, policy: w.policies[0] ?? 'unknown' })),
    accountId: r.accountId,
    consentId: r.consentId,
    decisions: [...(r.decisions ?? [])],
    trustFrameworkVersion: r.trustFrameworkVersion,
  };
}

/**
 * Releases recorded but missing from the ledger (a process stopped between the two writes): appended
 * now, exactly as recorded. Run at start; appends are idempotent per release id.
 *
 * Each row on its own: a row that cannot become a valid entry (an id outside the identifier alphabet
 * written by an older version, a client that no longer exists, unreadable columns) is logged — one
 * warn line, `ledger_heal_row_refused`, with the release id and the check that failed, no personal
 * data — and flagged for the operator (`ledger_problems`), and the others are appended. A row
 * flagged at an earlier start that now appends has its flag cleared. Returns the number appended.
 */
export async function appendUnledgeredReleases(
  storage: Storage,
  ledger: Ledger,
  log?: RepairLog,
): Promise<number> {
  const rows = await storage.db
    .selectFrom('releases')
    .leftJoin('clients', 'clients.client_id', 'releases.client_id')
    .select([
      'releases.release_id',
      'releases.account_id',
      'releases.client_id',
      'releases.attributes',
      'releases.withheld',
      'releases.decisions',
      'releases.trust_framework_version',
      'releases.consent_id',
      'releases.released_at',
      'clients.country',
    ])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ledger_entries')
            .select('ledger_entries.idx')
            .whereRef('ledger_entries.release_id', '=', 'releases.release_id'),
        ),
      ),
    )
    .orderBy('releases.released_at')
    .execute();
  return appendMissing(
    storage,
    ledger,
    rows.map((r) =>
      r.country === null
        ? {
            ref: r.release_id,
            refused: { kind: 'release_client_unknown', check: 'its client is not registered any more' },
          }
        : {
            ref: r.release_id,
            build: () =>
              releaseLedgerRecord(r.release_id, {
                accountId: r.account_id,
                clientId: r.client_id,
                clientCountry: r.country as string,
                attributes: JSON.parse(r.attributes) as string[],
                withheld: r.withheld
                  ? (JSON.parse(r.withheld) as { attribute: string; policies: string[] }[])
                  : [],
                decisions: r.decisions ? (JSON.parse(r.decisions) as string[]) : [],
                acr: '',
                scheme: '',
                trustFrameworkVersion: r.trust_framework_version,
                consentId: r.consent_id,
                grantId: null,
                at: new Date(Number(r.released_at)),
              }),
          },
    ),
    {
      what: 'release',
      unreadable: 'release_unreadable',
      unledgerable: 'release_unledgerable',
      kinds: ['release_unledgerable', 'release_client_unknown', 'release_unreadable'],
      log,
    },
  );
}

/**
 * Withdrawing a consent ends what it allowed now, not at the next login: every grant released under
 * it is revoked — its codes and tokens (oidc-provider artefacts carry the grant id), the grant itself,
 * and the sealed claims waiting for the token and userinfo endpoints (UK GDPR Art. 7(3)).
 */
export async function revokeGrantsOfConsent(storage: Storage, consentId: string): Promise<number> {
  return storage.transaction((tx) => revokeGrantsOfConsentIn(tx, consentId));
}

/**
 * The same, inside the caller's transaction: the consent module's withdrawal runs it in its own
 * (consent marked withdrawn, grants revoked, details removed — one commit; src/consent, ADR 20).
 * oidc-provider's artefacts are rows of the hub's database (adapter.ts), so they go in that commit.
 */
export async function revokeGrantsOfConsentIn(tx: Tx, consentId: string): Promise<number> {
  const rows = await tx
    .selectFrom('releases')
    .select('grant_id')
    .where('consent_id', '=', consentId)
    .where('grant_id', 'is not', null)
    .execute();
  const grantIds = [...new Set(rows.map((r) => r.grant_id as string))];
  if (grantIds.length === 0) return 0;
  await tx.deleteFrom('oidc_artefacts').where('grant_id', 'in', grantIds).execute();
  await tx.deleteFrom('oidc_artefacts').where('model', '=', 'Grant').where('id', 'in', grantIds).execute();
  await tx.deleteFrom('grant_claims').where('grant_id', 'in', grantIds).execute();
  return grantIds.length;
}
