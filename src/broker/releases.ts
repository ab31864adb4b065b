import { uuid } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';

/** Record that attributes of a citizen went to a relying party (the transparency log builds on this). */
export async function recordRelease(
  storage: Storage,
  r: {
    accountId: string;
    clientId: string;
    attributes: readonly string[];
    acr: string;
    scheme: string;
    trustFrameworkVersion: string;
    consentId: string | null;
    grantId: string | null;
    at: Date;
  },
): Promise<string> {
  const releaseId = uuid();
  await storage.db
    .insertInto('releases')
    .values({
      release_id: releaseId,
      account_id: r.accountId,
      client_id: r.clientId,
      attributes: JSON.stringify(r.attributes),
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

/**
 * Withdrawing a consent ends what it allowed now, not at the next login: every grant released under
 * it is revoked — its codes and tokens (oidc-provider artefacts carry the grant id), the grant itself,
 * and the sealed claims waiting for the token and userinfo endpoints (UK GDPR Art. 7(3)).
 */
export async function revokeGrantsOfConsent(storage: Storage, consentId: string): Promise<number> {
  const rows = await storage.db
    .selectFrom('releases')
    .select('grant_id')
    .where('consent_id', '=', consentId)
    .where('grant_id', 'is not', null)
    .execute();
  const grantIds = [...new Set(rows.map((r) => r.grant_id as string))];
  if (grantIds.length === 0) return 0;
  await storage.transaction(async (tx) => {
    await tx.deleteFrom('oidc_artefacts').where('grant_id', 'in', grantIds).execute();
    await tx.deleteFrom('oidc_artefacts').where('model', '=', 'Grant').where('id', 'in', grantIds).execute();
    await tx.deleteFrom('grant_claims').where('grant_id', 'in', grantIds).execute();
  });
  return grantIds.length;
}
