import Provider, { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import { classifyDatabaseError, isDatabaseUnavailable, type Storage } from '../storage/index.ts';

/** `Retry-After` (seconds) of the OAuth endpoints' 503s: a database restart takes seconds. */
export const OIDC_RETRY_AFTER_SECONDS = 10;

/** Where the adapter notes, on the request's Koa context, that the database was unavailable. */
export const DB_UNAVAILABLE_STATE = 'govbridgeDatabaseUnavailable';

/**
 * The database is unavailable while oidc-provider needs it: answer `temporarily_unavailable` with
 * HTTP 503 (and `Retry-After`, set in http.ts), never oidc-provider's generic `server_error` 500.
 *
 * RFC 6749 defines `temporarily_unavailable` only for the authorization endpoint's error response
 * (§4.1.2.1, "the authorization server is currently unable to handle the request due to a temporary
 * overloading or maintenance"); for the token endpoint (§5.2), PAR (RFC 9126 §2.3), userinfo (OIDC
 * Core §5.3.3) and registration (RFC 7591 §3.2.2) there is no such code, and an HTTP 503 with this
 * body is the pragmatic convention (the status tells any client to retry; the body is a valid OAuth
 * error object). Being an exposed OIDCProviderError, oidc-provider itself writes the JSON body, and at
 * the authorization endpoint redirects it to the client when it could validate the redirect_uri
 * (otherwise the person gets the hub's "service unavailable" page through `renderError`).
 */
export class OidcTemporarilyUnavailable extends errors.OIDCProviderError {
  constructor(cause: unknown) {
    super(503, 'temporarily_unavailable', { cause });
    this.expose = true;
    this.error_description = 'the service is temporarily unavailable, try again shortly';
  }
}

/** Turn a database outage into OidcTemporarilyUnavailable (noting it on the request); else as is. */
export function asOidcError(err: unknown): unknown {
  if (!isDatabaseUnavailable(err)) return err;
  const ctx = Provider.ctx;
  if (ctx) ctx.state[DB_UNAVAILABLE_STATE] = classifyDatabaseError(err)?.driverCode ?? 'unknown';
  return new OidcTemporarilyUnavailable(err);
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asOidcError(err);
  }
}

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

    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      return guard(() => this.#upsert(id, payload, expiresIn));
    }

    async #upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
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

    find(id: string): Promise<AdapterPayload | undefined> {
      return guard(() => this.#find(id));
    }

    async #find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.findForProvider(id);
      const row = await storage.db
        .selectFrom('oidc_artefacts')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.model)
        .where('id', '=', id)
        .executeTakeFirst();
      return toPayload(row);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return guard(() => this.#findByUserCode(userCode));
    }

    async #findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await storage.db
        .selectFrom('oidc_artefacts')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.model)
        .where('user_code', '=', userCode)
        .executeTakeFirst();
      return toPayload(row);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return guard(() => this.#findByUid(uid));
    }

    async #findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await storage.db
        .selectFrom('oidc_artefacts')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.model)
        .where('uid', '=', uid)
        .executeTakeFirst();
      return toPayload(row);
    }

    consume(id: string): Promise<void> {
      return guard(() => this.#consume(id));
    }

    async #consume(id: string): Promise<void> {
      await storage.db
        .updateTable('oidc_artefacts')
        .set({ consumed_at: Math.floor(Date.now() / 1000) })
        .where('model', '=', this.model)
        .where('id', '=', id)
        .execute();
    }

    destroy(id: string): Promise<void> {
      return guard(() => this.#destroy(id));
    }

    async #destroy(id: string): Promise<void> {
      if (this.model === 'Client') return clients.destroyFromProvider(id);
      await storage.db
        .deleteFrom('oidc_artefacts')
        .where('model', '=', this.model)
        .where('id', '=', id)
        .execute();
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return guard(() => this.#revokeByGrantId(grantId));
    }

    async #revokeByGrantId(grantId: string): Promise<void> {
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
