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
      released_at: r.at.getTime(),
    })
    .execute();
  return releaseId;
}
