import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { type Clock, GovbridgeError, systemClock } from '../kernel/index.ts';
import { canonicalJson } from '../ledger/index.ts';
import type { Storage } from '../storage/index.ts';

/**
 * The operators' audit trail (ADR 18): every action taken in the console, the CLI or the operator
 * API — who, what, on what, when — as an append-only, hash-chained, signed list of records.
 *
 * Row n holds `hash(n) = SHA-256(hash(n-1) ‖ 0x0a ‖ canonical JSON of record n)` (hash(0) is 64
 * zeros) and an Ed25519 signature by the hub's ledger key over
 * `govbridge-operator-audit/v1 ‖ 0x0a ‖ n ‖ 0x0a ‖ hash(n)`. Changing, removing or reordering any
 * row breaks the chain from there on; forging a row needs the ledger key, which the database does
 * not hold in the clear. A removed tail leaves a valid shorter chain, so every append is also logged
 * (`operator_action` with seq and hash) and the shipped logs keep heads the database cannot recall.
 * No citizen is ever named: targets are relying parties, agencies, notifications and keys.
 */
export type OperatorRole = 'viewer' | 'operator';

export interface Actor {
  /** The operator's subject at the operators' OpenID Provider, `cli`, `admin-api` or `link:<name>`. */
  readonly subject: string;
  readonly name: string;
  readonly role: OperatorRole | 'system';
  /** How they were signed in: `oidc`, `link`, `cli`, `api-token`. */
  readonly via: string;
}

export interface AuditRecord {
  readonly v: 1;
  readonly seq: number;
  /** RFC 3339 UTC with milliseconds. */
  readonly time: string;
  readonly actor: Actor;
  /** Stable action code: `client.approve`, `agency.suspend`, `notification.replay`, `operator.sign_in`… */
  readonly action: string;
  /** What was acted on (a client id, agency id, notification id), or '' for none. */
  readonly target: string;
  /** Identifiers and counts only (never personal data). */
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
}

export interface StoredAuditRecord extends AuditRecord {
  readonly hash: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly size: number;
  /** The signed head (seq and hash of the last row) when the chain verifies. */
  readonly head?: { seq: number; hash: string };
  /** The first row that does not verify, and why. */
  readonly problem?: { seq: number; reason: string };
}

const ZERO = '0'.repeat(64);
const DOMAIN = 'govbridge-operator-audit/v1';
const ACTION = /^[a-z_]+\.[a-z_]+$/;

export interface AuditTrailOptions {
  storage: Storage;
  /** The hub's Ed25519 ledger key (KEY_PURPOSES['ledger-sig']). */
  signingKey: KeyObject;
  clock?: Clock;
}

export class AuditTrail {
  readonly #o: AuditTrailOptions;
  readonly #clock: Clock;
  readonly #publicKey: KeyObject;
  /** Called after each append with the new record (the composition root logs it as `operator_action`). */
  onAppend: ((record: StoredAuditRecord) => void) | undefined;

  constructor(options: AuditTrailOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#publicKey = createPublicKey(options.signingKey);
  }

  /**
   * Append one record. Concurrent appends from several processes race for the next `seq` on the
   * primary key; the loser reads the new head and tries again.
   */
  async append(
    actor: Actor,
    action: string,
    target: string,
    detail: AuditRecord['detail'] = {},
  ): Promise<StoredAuditRecord> {
    if (!ACTION.test(action))
      throw new GovbridgeError('server_error', `audit action ${action} is not a code`);
    for (let attempt = 0; attempt < 20; attempt++) {
      const appended = await this.#o.storage.transaction(async (tx) => {
        const last = await tx
          .selectFrom('operator_audit')
          .select(['seq', 'hash'])
          .orderBy('seq', 'desc')
          .limit(1)
          .executeTakeFirst();
        const seq = last ? Number(last.seq) + 1 : 1;
        const prev = last?.hash ?? ZERO;
        const record: AuditRecord = {
          v: 1,
          seq,
          time: this.#clock.now().toISOString(),
          actor: { subject: actor.subject, name: actor.name, role: actor.role, via: actor.via },
          action,
          target,
          detail,
        };
        const json = canonicalJson(record);
        const hash = chainHash(prev, json);
        const r = await tx
          .insertInto('operator_audit')
          .values({ seq, record: json, prev_hash: prev, hash, signature: this.#sign(seq, hash) })
          .onConflict((oc) => oc.column('seq').doNothing())
          .executeTakeFirst();
        // Another process took this seq first: read the new head and try again.
        return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1 ? { ...record, hash } : undefined;
      });
      if (appended) {
        this.onAppend?.(appended);
        return appended;
      }
    }
    throw new GovbridgeError(
      'server_error',
      'could not append to the operators’ audit trail: too many concurrent appends',
    );
  }

  /** The newest records first; `before` pages back by seq. */
  async list(options: { limit?: number; before?: number } = {}): Promise<StoredAuditRecord[]> {
    let q = this.#o.storage.db.selectFrom('operator_audit').select(['record', 'hash']);
    if (options.before !== undefined) q = q.where('seq', '<', options.before);
    const rows = await q
      .orderBy('seq', 'desc')
      .limit(Math.min(Math.max(options.limit ?? 50, 1), 500))
      .execute();
    return rows.map((r) => ({ ...(JSON.parse(r.record) as AuditRecord), hash: r.hash }));
  }

  /** Recompute the whole chain and check every signature. */
  async verify(): Promise<AuditVerification> {
    let prev = ZERO;
    let expected = 1;
    let size = 0;
    const batch = 1000;
    for (;;) {
      const rows = await this.#o.storage.db
        .selectFrom('operator_audit')
        .selectAll()
        .where('seq', '>=', expected)
        .orderBy('seq')
        .limit(batch)
        .execute();
      for (const r of rows) {
        const seq = Number(r.seq);
        const fail = (reason: string): AuditVerification => ({ ok: false, size, problem: { seq, reason } });
        if (seq !== expected) return fail(`row ${expected} is missing`);
        if (r.prev_hash !== prev) return fail('its previous hash is not the hash of the row before');
        let record: AuditRecord;
        try {
          record = JSON.parse(r.record) as AuditRecord;
        } catch {
          return fail('its record is not JSON');
        }
        if (record.seq !== seq || canonicalJson(record) !== r.record)
          return fail('its record is not in canonical form for its position');
        if (chainHash(prev, r.record) !== r.hash) return fail('its hash does not match its record');
        if (!this.#verifySignature(seq, r.hash, r.signature)) return fail('its signature does not verify');
        prev = r.hash;
        expected = seq + 1;
        size = seq;
      }
      if (rows.length < batch) break;
    }
    return size === 0 ? { ok: true, size } : { ok: true, size, head: { seq: size, hash: prev } };
  }

  #sign(seq: number, hash: string): string {
    return sign(null, signedBytes(seq, hash), this.#o.signingKey).toString('base64url');
  }

  #verifySignature(seq: number, hash: string, signature: string): boolean {
    try {
      return verify(null, signedBytes(seq, hash), this.#publicKey, Buffer.from(signature, 'base64url'));
    } catch {
      return false;
    }
  }
}

function chainHash(prev: string, json: string): string {
  return createHash('sha256').update(`${prev}\n${json}`, 'utf8').digest('hex');
}

function signedBytes(seq: number, hash: string): Buffer {
  return Buffer.from(`${DOMAIN}\n${seq}\n${hash}`, 'utf8');
}
