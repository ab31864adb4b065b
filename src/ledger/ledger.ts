import { type JsonWebKey, type KeyObject, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { type Clock, systemClock } from '../kernel/index.ts';
import type { Storage, Tx } from '../storage/index.ts';
import { formatCheckpoint, openCheckpoint } from './checkpoint.ts';
import { cosignatureVerifier } from './cosignature.ts';
import { encodeBase64, fromHex, toHex, utf8Bytes } from './encoding.ts';
import {
  entryFromRecord,
  entryJson,
  isAccountId,
  type LedgerEntry,
  parseEntry,
  type ReleaseRecord,
  validateRecord,
} from './entry.ts';
import { LedgerError } from './errors.ts';
import { type IntegrityReport, verifyLedgerIntegrity } from './integrity.ts';
import {
  consistencyProof as buildConsistencyProof,
  EMPTY_ROOT,
  type Frontier,
  HASH_SIZE,
  inclusionPlan,
  isTreeSize,
  leafHash,
  resolvePlan,
  treeRoot,
  verifyConsistencyProof,
} from './merkle.ts';
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  type NoteVerifier,
  openNote,
  parseSignatureLine,
  signNote,
} from './note.ts';
import { RECEIPT_FORMAT, type Receipt } from './receipt.ts';
import {
  databaseSubtrees,
  durableTransaction,
  type EntryRow,
  inLists,
  insertEntries,
  insertNodes,
  insertSalts,
  loadFrontier,
  lockSize,
  type NodeRow,
  readSize,
} from './store.ts';
import { subjectHmac } from './subject.ts';

export interface LedgerOptions {
  readonly storage: Storage;
  /**
   * The log's Ed25519 private key (KeyObject or private JWK). Its note key name is the origin, as
   * C2SP tlog-checkpoint recommends. Key management is the caller's.
   */
  readonly signer: KeyObject | JsonWebKey;
  /** The log's origin line, e.g. `uk-sg.govbridge.example/ledger`: no spaces, no `+`. */
  readonly origin: string;
  readonly clock?: Clock;
  /** Witness verifier keys (C2SP type 0x04) whose cosignatures {@link Ledger.addCosignatures} accepts. */
  readonly witnesses?: readonly string[];
  /** Most entries per group-commit transaction (default 1000). */
  readonly maxBatch?: number;
  /** Called after each group commit (for metrics): how many records it took and how long it ran. */
  readonly onBatch?: (batch: {
    readonly records: number;
    readonly appended: number;
    readonly ms: number;
  }) => void;
}

export interface AppendResult {
  /** The entry's position in the log. */
  readonly index: number;
  /** True when the release was already in the log: `index` is where it was appended first. */
  readonly duplicate: boolean;
}

export interface SignedCheckpoint {
  readonly size: number;
  /** base64 of the root hash. */
  readonly rootHash: string;
  /** The C2SP signed note: our signature, then every stored witness cosignature. */
  readonly note: string;
  readonly createdAt: Date;
  /** Names of the witnesses whose cosignatures are in `note`. */
  readonly witnesses: readonly string[];
}

export interface InclusionProof {
  readonly index: number;
  readonly treeSize: number;
  /** base64 of the entry's leaf hash. */
  readonly leafHash: string;
  /** base64 hashes, leaf end first. */
  readonly hashes: readonly string[];
}

export interface ConsistencyProof {
  readonly size1: number;
  readonly size2: number;
  readonly hashes: readonly string[];
}

export interface StoredEntry {
  readonly index: number;
  readonly entry: LedgerEntry;
  /** The canonical JSON that was hashed. */
  readonly leaf: string;
}

export interface Ledger {
  readonly origin: string;
  /** The verifier key to publish (`<origin>+<key ID>+<base64 key>`): all anyone needs to verify offline. */
  readonly verifierKey: string;
  /** Append one release; resolves once its batch is durably committed. Idempotent per release id. */
  append(record: ReleaseRecord): Promise<AppendResult>;
  /** Append several, in order (one transaction when no more than `maxBatch`). All are validated first. */
  appendMany(records: readonly ReleaseRecord[]): Promise<AppendResult[]>;
  size(): Promise<number>;
  /** A signed checkpoint for the current tree size (returns the stored one when nothing was added). */
  checkpoint(): Promise<SignedCheckpoint>;
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  checkpointAt(size: number): Promise<SignedCheckpoint | undefined>;
  inclusionProof(index: number, size: number): Promise<InclusionProof>;
  consistencyProof(size1: number, size2: number): Promise<ConsistencyProof>;
  /** Entry, inclusion proof and a signed checkpoint that covers it (signed now when none does yet). */
  receipt(index: number): Promise<Receipt>;
  entry(index: number): Promise<StoredEntry>;
  /** Every entry about one salted subject, oldest first. */
  entriesFor(subjectHash: string): Promise<StoredEntry[]>;
  /** Every entry about one account, while its salt exists. */
  entriesForAccount(accountId: string): Promise<StoredEntry[]>;
  /** The citizen's salted hash (creating their salt on first use). */
  subjectHash(accountId: string): Promise<string>;
  /** The citizen's salted hash if they have a salt; never creates one. */
  findSubjectHash(accountId: string): Promise<string | undefined>;
  /** Delete the citizen's salt: their entries stay, unlinkable to them. Returns whether there was one. */
  forgetSubject(accountId: string): Promise<boolean>;
  /** Verify witness cosignature lines for the checkpoint of `size` and store those from known witnesses. */
  addCosignatures(size: number, signatureLines: string): Promise<{ stored: number; ignored: number }>;
  /**
   * The body of a C2SP tlog-witness add-checkpoint request for our latest checkpoint, from the size
   * the witness last cosigned (`old`): old size line, consistency proof lines, blank line, checkpoint.
   */
  witnessRequest(oldSize: number): Promise<string>;
  /** Recompute the tree from the entries and check every stored node and signed checkpoint. */
  verifyIntegrity(): Promise<IntegrityReport>;
  /** Finish queued appends; refuse new ones. Does not close the storage. */
  close(): Promise<void>;
}

interface Pending {
  readonly record: ReleaseRecord;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

export function createLedger(options: LedgerOptions): Ledger {
  const { storage, origin } = options;
  const clock = options.clock ?? systemClock;
  const maxBatch = options.maxBatch ?? 1000;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1)
    throw new TypeError('maxBatch must be a positive integer');
  const signer = ed25519NoteSigner(origin, options.signer);
  // Validate the origin as a checkpoint line too (formatCheckpoint throws on a bad one).
  formatCheckpoint({ origin, size: 0, rootHash: EMPTY_ROOT, extensions: [] });
  const own = ed25519NoteVerifier(signer.verifierKey);
  if (!own.ok) throw new TypeError(own.error.message);
  const logVerifier: NoteVerifier = own.value;
  const witnessVerifiers: NoteVerifier[] = (options.witnesses ?? []).map((w) => {
    const v = cosignatureVerifier(w);
    if (!v.ok) throw new TypeError(`witness key ${JSON.stringify(w)}: ${v.error.message}`);
    return v.value;
  });
  const source = databaseSubtrees(storage.db, storage.capabilities.dialect);

  let queue: Pending[] = [];
  let flushing = false;
  let scheduled = false;
  let closed = false;
  let idle: (() => void)[] = [];
  /** The right edge of the tree as of our last commit; reused when no other process appended since. */
  let cachedFrontier: Frontier | undefined;
  /** The largest tree size seen committed. The log only grows, so sizes up to it need no query. */
  let knownSize = 0;
  const sizeNow = async (): Promise<number> => {
    knownSize = Math.max(knownSize, await readSize(storage.db));
    return knownSize;
  };

  const outOfRange = (message: string) => new LedgerError('out_of_range', message);

  function schedule(): void {
    if (flushing || scheduled || queue.length === 0) return;
    scheduled = true;
    // setImmediate, not a microtask: appends arriving from other I/O callbacks of this loop turn join.
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        try {
          const started = performance.now();
          const results = await appendBatch(batch.map((p) => p.record));
          batch.forEach((p, i) => {
            p.resolve(results[i]!);
          });
          try {
            options.onBatch?.({
              records: batch.length,
              appended: results.filter((r) => !r.duplicate).length,
              ms: performance.now() - started,
            });
          } catch {
            // A metrics callback must not undo a committed batch.
          }
        } catch (error) {
          cachedFrontier = undefined;
          const wrapped =
            error instanceof LedgerError
              ? error
              : new LedgerError(
                  'storage_failed',
                  'Appending to the ledger failed; retry with the same release id (if the batch was committed after all, that returns its index)',
                  { cause: error },
                );
          for (const p of batch) p.reject(wrapped);
        }
      }
    } finally {
      flushing = false;
      const waiting = idle;
      idle = [];
      for (const w of waiting) w();
    }
  }

  /** One group-commit transaction: lock, number, hash, insert, commit. */
  async function appendBatch(records: readonly ReleaseRecord[]): Promise<AppendResult[]> {
    const now = clock.now();
    const result = await durableTransaction(storage, async (tx) => {
      const size = await lockSize(tx);
      // Releases already in the log keep their first index (idempotent retries).
      const existing = new Map<string, number>();
      for (const ids of inLists([...new Set(records.map((r) => r.releaseId))])) {
        const rows = await tx
          .selectFrom('ledger_entries')
          .select(['release_id', 'idx'])
          .where('release_id', 'in', ids)
          .execute();
        for (const r of rows) existing.set(r.release_id, Number(r.idx));
      }
      const salts = await saltsFor(tx, [...new Set(records.map((r) => r.accountId))], now.getTime());
      const frontier =
        cachedFrontier && cachedFrontier.size === size
          ? cachedFrontier.clone()
          : await loadFrontier(tx, storage.capabilities.dialect, size);
      const entryRows: EntryRow[] = [];
      const nodeRows: NodeRow[] = [];
      const results: AppendResult[] = [];
      for (const record of records) {
        const first = existing.get(record.releaseId);
        if (first !== undefined) {
          results.push({ index: first, duplicate: true });
          continue;
        }
        const subject = subjectHmac(salts.get(record.accountId)!, record.accountId);
        const leaf = entryJson(entryFromRecord(record, subject, now));
        const h = leafHash(utf8Bytes(leaf));
        const index = frontier.size;
        frontier.append(h, (level, idx, node) => {
          nodeRows.push({ level, idx, hash: toHex(node) });
        });
        entryRows.push({
          idx: index,
          release_id: record.releaseId,
          subject_hash: subject,
          leaf,
          leaf_hash: toHex(h),
          appended_at: now.getTime(),
        });
        existing.set(record.releaseId, index);
        results.push({ index, duplicate: false });
      }
      await insertEntries(storage, tx, entryRows);
      await insertNodes(storage, tx, nodeRows);
      if (entryRows.length > 0) {
        await tx.updateTable('ledger_state').set({ size: frontier.size }).where('id', '=', 1).execute();
      }
      return { results, frontier };
    });
    cachedFrontier = result.frontier;
    knownSize = Math.max(knownSize, result.frontier.size);
    return result.results;
  }

  /**
   * Salts of these accounts, creating the missing ones: one read, one insert of the missing (which
   * returns what it inserted), and a second read only for salts another caller created meanwhile.
   */
  async function saltsFor(tx: Tx, accountIds: readonly string[], now: number): Promise<Map<string, Buffer>> {
    const salts = new Map<string, Buffer>();
    const read = async (ids: readonly string[]) => {
      for (const part of inLists(ids)) {
        const rows = await tx
          .selectFrom('ledger_subject_salts')
          .select(['account_id', 'salt'])
          .where('account_id', 'in', part)
          .execute();
        for (const r of rows) salts.set(r.account_id, Buffer.from(r.salt, 'hex'));
      }
    };
    await read(accountIds);
    const missing = accountIds.filter((a) => !salts.has(a));
    if (missing.length === 0) return salts;
    const random = randomBytes(32 * missing.length).toString('hex');
    const fresh = missing.map((account_id, n) => ({
      account_id,
      salt: random.slice(64 * n, 64 * (n + 1)),
      created_at: now,
    }));
    for (const r of await insertSalts(storage, tx, fresh))
      salts.set(r.account_id, Buffer.from(r.salt, 'hex'));
    const raced = missing.filter((a) => !salts.has(a));
    if (raced.length > 0) await read(raced);
    return salts;
  }

  function enqueue(records: readonly ReleaseRecord[]): Promise<AppendResult>[] {
    if (closed) throw new LedgerError('closed', 'The ledger is closed');
    for (const r of records) {
      const v = validateRecord(r);
      if (!v.ok) throw new LedgerError('invalid_entry', `Invalid ledger entry: ${v.error.message}`);
    }
    const promises = records.map(
      (record) =>
        new Promise<AppendResult>((resolve, reject) => {
          queue.push({ record, resolve, reject });
        }),
    );
    schedule();
    return promises;
  }

  async function storedCheckpoint(row: {
    size: number;
    root_hash: string;
    note: string;
    created_at: number;
  }): Promise<SignedCheckpoint> {
    const cosigs = await storage.db
      .selectFrom('ledger_cosignatures')
      .select(['cosigner', 'signature'])
      .where('size', '=', row.size)
      .orderBy('cosigner')
      .orderBy('key_id')
      .execute();
    return {
      size: Number(row.size),
      rootHash: encodeBase64(fromHex(row.root_hash, HASH_SIZE) ?? new Uint8Array(0)),
      note: row.note + cosigs.map((c) => c.signature).join(''),
      createdAt: new Date(Number(row.created_at)),
      witnesses: cosigs.map((c) => c.cosigner),
    };
  }

  async function latestRow() {
    return storage.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .orderBy('size', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async function checkpoint(): Promise<SignedCheckpoint> {
    const size = await sizeNow();
    const latest = await latestRow();
    if (latest && Number(latest.size) >= size) return storedCheckpoint(latest);
    const root = await treeRoot(source, size);
    // Never sign a tree that does not extend the last one we signed (C2SP tlog-checkpoint: a log
    // MUST NOT sign inconsistent checkpoints). The proof comes from the stored nodes: had anything
    // under the old tree been rewritten, it would not lead to the old signed root.
    if (latest) {
      const opened = openCheckpoint(latest.note, [logVerifier], { origin });
      if (!opened.ok) {
        throw new LedgerError(
          'integrity',
          `The stored checkpoint at size ${latest.size} does not verify: ${opened.error.message}`,
        );
      }
      const old = opened.value.checkpoint;
      const proof = await buildConsistencyProof(source, old.size, size);
      const consistent = verifyConsistencyProof(old.size, size, proof, old.rootHash, root);
      if (!consistent.ok) {
        throw new LedgerError(
          'inconsistent_tree',
          `Refusing to sign size ${size}: the stored tree is not consistent with the checkpoint at size ${old.size} (${consistent.error.message})`,
        );
      }
    }
    const note = signNote(formatCheckpoint({ origin, size, rootHash: root, extensions: [] }), [signer]);
    await storage.db
      .insertInto('ledger_checkpoints')
      .values({ size, root_hash: toHex(root), note, created_at: clock.now().getTime() })
      .onConflict((oc) => oc.column('size').doNothing())
      .execute();
    const row = await storage.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .where('size', '=', size)
      .executeTakeFirstOrThrow();
    return storedCheckpoint(row);
  }

  async function checkSize(size: number): Promise<void> {
    if (!isTreeSize(size)) throw outOfRange('tree size must be an integer ≥ 0');
    if (size <= knownSize) return;
    const current = await sizeNow();
    if (size > current) throw outOfRange(`tree size ${size} is beyond the log (${current} entries)`);
  }

  async function inclusionProof(index: number, size: number): Promise<InclusionProof> {
    if (!isTreeSize(index)) throw outOfRange('index must be an integer ≥ 0');
    await checkSize(size);
    if (index >= size) throw outOfRange(`index ${index} is not below tree size ${size}`);
    // The leaf and the proof's nodes in one fetch.
    const [leaf, ...hashes] = await resolvePlan(source, [
      [{ level: 0, index }],
      ...inclusionPlan(index, size),
    ]);
    return { index, treeSize: size, leafHash: encodeBase64(leaf!), hashes: hashes.map(encodeBase64) };
  }

  async function consistencyProof(size1: number, size2: number): Promise<ConsistencyProof> {
    if (!isTreeSize(size1)) throw outOfRange('sizes must be integers ≥ 0');
    await checkSize(size2);
    if (size1 > size2) throw outOfRange(`first size ${size1} is after second size ${size2}`);
    const hashes = await buildConsistencyProof(source, size1, size2);
    return { size1, size2, hashes: hashes.map(encodeBase64) };
  }

  async function entry(index: number): Promise<StoredEntry> {
    if (!isTreeSize(index)) throw outOfRange('index must be an integer ≥ 0');
    const row = await storage.db
      .selectFrom('ledger_entries')
      .select(['idx', 'leaf'])
      .where('idx', '=', index)
      .executeTakeFirst();
    if (!row) throw outOfRange(`no entry at index ${index}`);
    return toStored(row);
  }

  function toStored(row: { idx: number; leaf: string }): StoredEntry {
    const parsed = parseEntry(row.leaf);
    if (!parsed.ok) {
      throw new LedgerError('integrity', `entry ${row.idx} is malformed: ${parsed.error.message}`);
    }
    return { index: Number(row.idx), entry: parsed.value, leaf: row.leaf };
  }

  async function entriesFor(subjectHash: string): Promise<StoredEntry[]> {
    if (typeof subjectHash !== 'string' || !/^[0-9a-f]{64}$/.test(subjectHash)) return [];
    const rows = await storage.db
      .selectFrom('ledger_entries')
      .select(['idx', 'leaf'])
      .where('subject_hash', '=', subjectHash)
      .orderBy('idx')
      .execute();
    return rows.map(toStored);
  }

  async function findSalt(accountId: string): Promise<Buffer | undefined> {
    const row = await storage.db
      .selectFrom('ledger_subject_salts')
      .select('salt')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? Buffer.from(row.salt, 'hex') : undefined;
  }

  function requireAccountId(accountId: string): void {
    if (!isAccountId(accountId))
      throw new LedgerError('invalid_entry', 'account id must be 1–255 characters');
  }

  async function findSubjectHash(accountId: string): Promise<string | undefined> {
    requireAccountId(accountId);
    const salt = await findSalt(accountId);
    return salt ? subjectHmac(salt, accountId) : undefined;
  }

  async function subjectHash(accountId: string): Promise<string> {
    requireAccountId(accountId);
    const existing = await findSalt(accountId);
    if (existing) return subjectHmac(existing, accountId);
    await storage.db
      .insertInto('ledger_subject_salts')
      .values({
        account_id: accountId,
        salt: randomBytes(32).toString('hex'),
        created_at: clock.now().getTime(),
      })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .execute();
    return subjectHmac((await findSalt(accountId))!, accountId);
  }

  async function addCosignatures(
    size: number,
    signatureLines: string,
  ): Promise<{ stored: number; ignored: number }> {
    if (!isTreeSize(size)) throw outOfRange('size must be an integer ≥ 0');
    const row = await storage.db
      .selectFrom('ledger_checkpoints')
      .select('note')
      .where('size', '=', size)
      .executeTakeFirst();
    if (!row) throw outOfRange(`no checkpoint at size ${size}`);
    const lines = signatureLines.split('\n').filter((l) => l.length > 0);
    for (const l of lines) {
      if (!parseSignatureLine(l)) throw new LedgerError('invalid_signature', 'ill-formed signature line');
    }
    if (lines.length === 0) return { stored: 0, ignored: 0 };
    const opened = openNote(row.note + lines.map((l) => `${l}\n`).join(''), [
      logVerifier,
      ...witnessVerifiers,
    ]);
    if (!opened.ok)
      throw new LedgerError('invalid_signature', `Cosignature refused: ${opened.error.message}`);
    const cosigs = opened.value.verified.filter((s) => s.verifier !== logVerifier);
    const now = clock.now().getTime();
    for (const c of cosigs) {
      const timestamp = Number(new DataView(c.signature.buffer, c.signature.byteOffset, 8).getBigUint64(0));
      await storage.db
        .insertInto('ledger_cosignatures')
        .values({
          size,
          cosigner: c.name,
          key_id: c.keyId.toString(16).padStart(8, '0'),
          signature: `— ${c.name} ${c.base64}\n`,
          timestamp,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['size', 'cosigner', 'key_id']).doNothing())
        .execute();
    }
    return { stored: cosigs.length, ignored: lines.length - cosigs.length };
  }

  return {
    origin,
    verifierKey: signer.verifierKey,
    async append(record) {
      const [p] = enqueue([record]);
      return p!;
    },
    appendMany(records) {
      try {
        return Promise.all(enqueue(records));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    size: sizeNow,
    checkpoint,
    async latestCheckpoint() {
      const row = await latestRow();
      return row ? storedCheckpoint(row) : undefined;
    },
    async checkpointAt(size) {
      if (!isTreeSize(size)) throw outOfRange('size must be an integer ≥ 0');
      const row = await storage.db
        .selectFrom('ledger_checkpoints')
        .selectAll()
        .where('size', '=', size)
        .executeTakeFirst();
      return row ? storedCheckpoint(row) : undefined;
    },
    inclusionProof,
    consistencyProof,
    async receipt(index) {
      if (!isTreeSize(index)) throw outOfRange('index must be an integer ≥ 0');
      const size = index < knownSize ? knownSize : await sizeNow();
      if (index >= size) throw outOfRange(`no entry at index ${index} (${size} entries)`);
      const latest = await latestRow();
      const cp = latest && Number(latest.size) > index ? await storedCheckpoint(latest) : await checkpoint();
      const stored = await entry(index);
      const proof = await inclusionProof(index, cp.size);
      return {
        format: RECEIPT_FORMAT,
        index,
        entry: stored.leaf,
        leafHash: proof.leafHash,
        inclusionProof: proof.hashes,
        checkpoint: cp.note,
      };
    },
    entry,
    entriesFor,
    async entriesForAccount(accountId) {
      const subject = await findSubjectHash(accountId);
      return subject ? entriesFor(subject) : [];
    },
    subjectHash,
    findSubjectHash,
    async forgetSubject(accountId) {
      requireAccountId(accountId);
      const r = await storage.db
        .deleteFrom('ledger_subject_salts')
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    addCosignatures,
    async witnessRequest(oldSize) {
      const cp = await latestRow();
      if (!cp) throw outOfRange('no checkpoint has been signed yet');
      const proof = await consistencyProof(oldSize, Number(cp.size));
      return `old ${oldSize}\n${proof.hashes.map((h) => `${h}\n`).join('')}\n${cp.note}`;
    },
    // One consistent snapshot: another process appending meanwhile must not look like entries
    // "beyond the recorded size" (PostgreSQL: REPEATABLE READ; SQLite: a WAL read transaction).
    verifyIntegrity: () =>
      storage.transaction(async (tx) => {
        if (storage.capabilities.dialect === 'postgres') {
          await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`.execute(tx);
        }
        return verifyLedgerIntegrity({ storage: { ...storage, db: tx }, origin, logVerifier });
      }),
    async close() {
      closed = true;
      while (flushing || queue.length > 0) {
        await new Promise<void>((resolve) => {
          idle.push(resolve);
          schedule();
        });
      }
    },
  };
}
