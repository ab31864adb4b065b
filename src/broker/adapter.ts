import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Storage } from '../storage/index.ts';

/**
 * oidc-provider's artefacts (sessions, interactions, codes, tokens, grants, PAR request objects,
 * DPoP replay records …) kept in the hub's own database, so that any hub process sharing the
 * database can continue a login another process started. Clients are not stored here: they live in
 * the `clients` table (see client-registry.ts), whose adapter this file also provides.
 *
 * Expiry is enforced on read (an expired row is never returned) and rows are swept periodically.
 */
export function createAdapterFactory(storage: Storage, clients: ClientAdapterSource) {
  return class DatabaseAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') {
        await clients.upsertFromProvider(id, payload);
        return;
      }
      const row = {
        model: this.model,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expires_at: expiresIn ? Date.now() + expiresIn * 1000 : null,
        consumed_at: null,
      };
      await storage.db
        .insertInto('oidc_artefacts')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['model', 'id']).doUpdateSet({
            payload: row.payload,
            grant_id: row.grant_id,
            user_code: row.user_code,
            uid: row.uid,
            expires_at: row.expires_at,
          }),
        )
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.findForProvider(id);
      const row = await storage.db
        .selectFrom('oidc_artefacts')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.model)
        .where('id', '=', id)
        .executeTakeFirst();
      return toPayload(row);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await storage.db
        .selectFrom('oidc_artefacts')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.model)
        .where('user_code', '=', userCode)
        .executeTakeFirst();
      return toPayload(row);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await storage.db
        .selectFrom('oidc_artefacts')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.model)
        .where('uid', '=', uid)
        .executeTakeFirst();
      return toPayload(row);
    }

    async consume(id: string): Promise<void> {
      await storage.db
        .updateTable('oidc_artefacts')
        .set({ consumed_at: Math.floor(Date.now() / 1000) })
        .where('model', '=', this.model)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      if (this.model === 'Client') return clients.destroyFromProvider(id);
      await storage.db
        .deleteFrom('oidc_artefacts')
        .where('model', '=', this.model)
        .where('id', '=', id)
        .execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await storage.db.deleteFrom('oidc_artefacts').where('grant_id', '=', grantId).execute();
      await storage.db.deleteFrom('grant_claims').where('grant_id', '=', grantId).execute();
    }
  };
}

function toPayload(
  row: { payload: string; expires_at: number | null; consumed_at: number | null } | undefined,
): AdapterPayload | undefined {
  if (!row) return undefined;
  if (row.expires_at !== null && row.expires_at <= Date.now()) return undefined;
  const payload = JSON.parse(row.payload) as AdapterPayload;
  if (row.consumed_at !== null) payload.consumed = row.consumed_at;
  return payload;
}

/** Delete expired artefacts and login state. Safe to run from every process. */
export async function sweepExpired(storage: Storage, now = Date.now()): Promise<number> {
  const a = await storage.db.deleteFrom('oidc_artefacts').where('expires_at', '<=', now).executeTakeFirst();
  const b = await storage.db.deleteFrom('upstream_logins').where('expires_at', '<=', now).executeTakeFirst();
  const c = await storage.db.deleteFrom('grant_claims').where('expires_at', '<=', now).executeTakeFirst();
  return Number(a.numDeletedRows) + Number(b.numDeletedRows) + Number(c.numDeletedRows);
}

export interface ClientAdapterSource {
  findForProvider(id: string): Promise<AdapterPayload | undefined>;
  upsertFromProvider(id: string, payload: AdapterPayload): Promise<void>;
  destroyFromProvider(id: string): Promise<void>;
}
