import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import Provider, { type Adapter, type AdapterPayload, errors, type KoaContextWithOIDC } from 'oidc-provider';
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

export type ArtefactRow = {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
};

/**
 * What a row written with others stands for: an artefact saved, a replay record, the consumption
 * of a single-use artefact, the destruction of one.
 */
type WriteKind = 'upsert' | 'replay' | 'consume' | 'destroy';
export type PendingRow = { kind: WriteKind; row: ArtefactRow };

/**
 * Writes that wait for the request's next artefact (fewer statements, same guarantees).
 *
 * On the routes below, a success always ends by writing an artefact: the request object at PAR,
 * the access token at the token endpoint, the authorization code at the authorization endpoint's
 * resume. What oidc-provider writes before it on such a request — the replay records (the `jti`
 * of each `private_key_jwt` client assertion and DPoP proof), the consumption of a single-use
 * artefact (the code at the token endpoint, the PAR request at resume) and the destruction of the
 * interaction at resume — waits, and goes in the same INSERT as that artefact: one statement
 * instead of up to four, and atomic, so nothing is issued unless every check went in with it.
 *
 * - A replay record goes in only where no live record of that jti is: one another request (any
 *   process) wrote first makes the statement give nothing back for it: the artefact is deleted
 *   again and the request refused as oidc-provider refuses a replay.
 * - A consumption marks the row only if it is not consumed yet: two requests racing with one code
 *   or one PAR request cannot both win (the loser is refused, and for a code the grant's tokens
 *   are revoked, as oidc-provider does when a code is used twice).
 * - A destruction overwrites the row with a tombstone (no payload, expired: never returned, swept).
 *
 * What a request leaves waiting (it failed before its artefact) is written when it ends, before
 * its response leaves (`settlePendingWrites`, provider.ts). On every other route each is written at
 * once. Replay records stay in the shared database in every case: two hub processes never accept
 * one proof twice.
 */
const DEFERRING_ROUTES = new Set(['pushed_authorization_request', 'token', 'resume']);
const pendingWrites = new WeakMap<object, PendingRow[]>();

/** The refusal oidc-provider itself gives for a replay at this route (lib/helpers/validate_dpop.js). */
function replayError(ctx: KoaContextWithOIDC | undefined, id: string): errors.OIDCProviderError {
  let dpop = false;
  const header = ctx?.get('dpop');
  const clientId = ctx?.oidc?.client?.clientId;
  if (header && clientId) {
    try {
      const jti = (
        JSON.parse(Buffer.from(header.split('.')[1] ?? '', 'base64url').toString()) as { jti?: unknown }
      ).jti;
      // The record's id is oidc-provider's: SHA-256 of issuer (the client) and jti, base64url.
      dpop =
        typeof jti === 'string' &&
        createHash('sha256').update(`${clientId}${jti}`).digest('base64url') === id;
    } catch {
      // not a JWT: then the record was the client assertion's
    }
  }
  if (!dpop) return new errors.InvalidClientAuth('client assertion tokens must only be used once');
  const route = ctx?.oidc?.route;
  if (route === 'pushed_authorization_request')
    return new errors.InvalidRequest('DPoP proof JWT Replay detected');
  if (route === 'token') return new errors.InvalidGrant('DPoP proof JWT Replay detected');
  if (route === 'userinfo') return new errors.InvalidToken('DPoP proof JWT Replay detected');
  return new errors.InvalidDpopProof('DPoP proof JWT Replay detected');
}

/** The refusal for a single-use artefact another request consumed first. */
function consumedError(model: string): errors.OIDCProviderError {
  if (model === 'PushedAuthorizationRequest')
    return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  if (model === 'AuthorizationCode') return new errors.InvalidGrant('authorization code already consumed');
  return new errors.InvalidGrant(`${model} already consumed`);
}

const key = (r: { model: string; id: string }): string => `${r.model}\0${r.id}`;

export function pendingRow(kind: 'consume' | 'destroy', model: string, id: string): PendingRow {
  return {
    kind,
    row: {
      model,
      id,
      payload: '',
      grant_id: null,
      user_code: null,
      uid: null,
      // A tombstone, or the placeholder of a consumption whose row has gone: expired, never returned.
      expires_at: 0,
      consumed_at: kind === 'consume' ? Math.floor(Date.now() / 1000) : null,
    },
  };
}

/**
 * Write rows in one INSERT. On a row already there: an artefact or a tombstone replaces it; a
 * consumption (consumed_at set) only sets consumed_at, and only when not yet consumed; a replay
 * record only replaces an expired record. Returns the replay records and consumptions that did not
 * go in: refusals. Exported for its tests.
 */
export async function writeArtefactRows(
  storage: Storage,
  rows: readonly PendingRow[],
): Promise<PendingRow[]> {
  const now = Date.now();
  const consuming = sql`excluded.consumed_at is not null`;
  const keep = <T>(column: string) =>
    sql<T>`case when ${consuming} then oidc_artefacts.${sql.ref(column)} else excluded.${sql.ref(column)} end`;
  const written = await storage.db
    .insertInto('oidc_artefacts')
    .values(rows.map((r) => r.row))
    .onConflict((oc) =>
      oc
        .columns(['model', 'id'])
        .doUpdateSet({
          payload: keep<string>('payload'),
          grant_id: keep<string | null>('grant_id'),
          user_code: keep<string | null>('user_code'),
          uid: keep<string | null>('uid'),
          expires_at: keep<number | null>('expires_at'),
          consumed_at: sql<number | null>`coalesce(oidc_artefacts.consumed_at, excluded.consumed_at)`,
        })
        .where(
          sql<boolean>`(oidc_artefacts.model <> 'ReplayDetection' or oidc_artefacts.expires_at <= ${now})
            and (excluded.consumed_at is null or oidc_artefacts.consumed_at is null)`,
        ),
    )
    .returning(['model', 'id'])
    .execute();
  const went = new Set(written.map(key));
  return rows.filter((r) => (r.kind === 'replay' || r.kind === 'consume') && !went.has(key(r.row)));
}

/** Delete what a refused request wrote beside its refusal and give the refusal to throw. */
async function refusal(
  storage: Storage,
  ctx: KoaContextWithOIDC | undefined,
  refused: PendingRow,
  carrier: ArtefactRow | undefined,
): Promise<errors.OIDCProviderError> {
  if (carrier) {
    await storage.db
      .deleteFrom('oidc_artefacts')
      .where('model', '=', carrier.model)
      .where('id', '=', carrier.id)
      .execute();
  }
  if (refused.kind === 'replay') return replayError(ctx, refused.row.id);
  // A code used twice: what was issued from it goes (RFC 6749 §4.1.2), as oidc-provider does.
  if (refused.row.model === 'AuthorizationCode' && carrier?.grant_id) {
    await revokeGrant(storage, carrier.grant_id);
  }
  return consumedError(refused.row.model);
}

async function revokeGrant(storage: Storage, grantId: string): Promise<void> {
  await storage.db.deleteFrom('oidc_artefacts').where('grant_id', '=', grantId).execute();
  await storage.db
    .deleteFrom('oidc_artefacts')
    .where('model', '=', 'Grant')
    .where('id', '=', grantId)
    .execute();
  await storage.db.deleteFrom('grant_claims').where('grant_id', '=', grantId).execute();
}

/**
 * Write what a request left waiting (it ended without writing its artefact, e.g. it was refused).
 * Called once per request after oidc-provider's routes ran, before the response leaves. Should a
 * check fail there on a request that otherwise succeeded, its response becomes the refusal.
 */
export async function settlePendingWrites(
  storage: Storage,
  request: { status: number; body: unknown },
): Promise<void> {
  // oidc-provider's routes gave the request its `oidc` context (Provider.ctx is this object).
  const ctx = request as KoaContextWithOIDC;
  const rows = pendingWrites.get(ctx);
  if (!rows || rows.length === 0) return;
  pendingWrites.delete(ctx);
  // The database already failed this request (it answers 503, nothing was issued): do not make it
  // wait for a second failure.
  if (ctx.state?.[DB_UNAVAILABLE_STATE]) return;
  let refused: PendingRow[];
  try {
    refused = await writeArtefactRows(storage, rows);
  } catch (err) {
    if (ctx.status >= 400) return; // already refused; the error it carries says more
    throw asOidcError(err);
  }
  if (refused.length > 0 && ctx.status < 400) {
    const e = await refusal(storage, ctx, refused[0]!, undefined);
    ctx.remove('location');
    ctx.status = e.status;
    ctx.body = { error: e.error, error_description: e.error_description };
  }
}

/** Queue a write on the current request when its route writes an artefact later; false if not. */
function deferred(kind: WriteKind, row: ArtefactRow): boolean {
  const ctx = Provider.ctx;
  if (!ctx || !DEFERRING_ROUTES.has(ctx.oidc?.route ?? '')) return false;
  const pending = pendingWrites.get(ctx) ?? [];
  // One jti twice in one request (the assertion's and the proof's alike): the second is a replay.
  if (kind === 'replay' && pending.some((p) => key(p.row) === key(row))) throw replayError(ctx, row.id);
  pending.push({ kind, row });
  pendingWrites.set(ctx, pending);
  return true;
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
      const row: ArtefactRow = {
        model: this.model,
        id,
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expires_at: expiresIn ? Date.now() + expiresIn * 1000 : null,
        consumed_at: null,
      };
      const ctx = Provider.ctx;
      if (this.model === 'ReplayDetection') {
        if (deferred('replay', row)) return;
        const [refused] = await writeArtefactRows(storage, [{ kind: 'replay', row }]);
        if (refused) throw await refusal(storage, ctx, refused, undefined);
        return;
      }
      const pending = ctx ? pendingWrites.get(ctx) : undefined;
      if (ctx && pending && pending.length > 0 && !pending.some((p) => key(p.row) === key(row))) {
        pendingWrites.delete(ctx);
        const [refused] = await writeArtefactRows(storage, [{ kind: 'upsert', row }, ...pending]);
        // Nothing is issued on a refused check: the artefact written beside it goes again.
        if (refused) throw await refusal(storage, ctx, refused, row);
        return;
      }
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
      if (deferred('consume', pendingRow('consume', this.model, id).row)) return;
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
      if (deferred('destroy', pendingRow('destroy', this.model, id).row)) return;
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
