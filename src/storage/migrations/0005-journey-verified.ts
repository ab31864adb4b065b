import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> so they keep compiling
export async function up(db: Kysely<any>): Promise<void> {
  // Verified details the citizen agreed to use on a journey (issue "Life events"): the common claims
  // from a national sign-in with their source (scheme, trust-framework version, when, consent id),
  // sealed with the key-encryption key (AES-GCM, bound to the journey id). Null: none, or withdrawn.
  await db.schema.alterTable('journeys').addColumn('verified_sealed', 'text').execute();
}
