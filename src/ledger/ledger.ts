/**
 * The transparency ledger, put together: `createLedger` builds its parts and exposes them as one
 * `Ledger`. It holds no rules of its own; each part opens with the rules it enforces:
 *
 * - append-queue.ts — batching, durable group commit, one index per release id (the log only grows);
 * - subjects.ts — salted subject hashes and forgetting a citizen;
 * - entries.ts — stored entries read back, by index and by subject;
 * - checkpoints.ts — signing only trees that extend the last checkpoint, cosignatures, witness requests;
 * - proofs.ts — inclusion and consistency proofs, receipts;
 * - tree-size.ts — the size seen committed, and range checks;
 * - store.ts — the statements that differ by database, chosen by named storage capabilities;
 * - integrity.ts — the whole-log check run at start-up.
 */
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { type Clock, systemClock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import { type AppendResult, createAppendQueue } from './append-queue.ts';
import { formatCheckpoint } from './checkpoint.ts';
import { createCheckpoints, type SignedCheckpoint } from './checkpoints.ts';
import { cosignatureVerifier } from './cosignature.ts';
import { createEntries, type StoredEntry } from './entries.ts';
import type { ReleaseRecord } from './entry.ts';
import { type IntegrityReport, verifyLedgerIntegrity } from './integrity.ts';
import { EMPTY_ROOT } from './merkle.ts';
import { ed25519NoteSigner, ed25519NoteVerifier, type NoteVerifier } from './note.ts';
import { type ConsistencyProof, createProofs, createReceipts, type InclusionProof } from './proofs.ts';
import type { Receipt } from './receipt.ts';
import { databaseSubtrees, snapshotTransaction } from './store.ts';
import { createSubjects } from './subjects.ts';
import { createTreeSize } from './tree-size.ts';

export type { AppendResult } from './append-queue.ts';
export type { SignedCheckpoint } from './checkpoints.ts';
export type { StoredEntry } from './entries.ts';
export type { ConsistencyProof, InclusionProof } from './proofs.ts';

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

  const source = databaseSubtrees(storage.db, storage.capabilities);
  const treeSize = createTreeSize(storage.db);
  const subjects = createSubjects({ storage, clock });
  const entries = createEntries({ db: storage.db, subjects });
  const queue = createAppendQueue({ storage, clock, maxBatch, subjects, treeSize, onBatch: options.onBatch });
  const proofs = createProofs({ source, treeSize });
  const checkpoints = createCheckpoints({
    storage,
    origin,
    clock,
    signer,
    logVerifier,
    witnessVerifiers,
    source,
    treeSize,
    proofs,
  });

  return {
    origin,
    verifierKey: signer.verifierKey,
    async append(record) {
      const [p] = queue.enqueue([record]);
      return p!;
    },
    appendMany(records) {
      try {
        return Promise.all(queue.enqueue(records));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    size: treeSize.current,
    checkpoint: checkpoints.checkpoint,
    latestCheckpoint: checkpoints.latest,
    checkpointAt: checkpoints.at,
    inclusionProof: proofs.inclusionProof,
    consistencyProof: proofs.consistencyProof,
    receipt: createReceipts({ treeSize, proofs, checkpoints, entries }),
    entry: entries.entry,
    entriesFor: entries.entriesFor,
    entriesForAccount: entries.entriesForAccount,
    subjectHash: subjects.subjectHash,
    findSubjectHash: subjects.findSubjectHash,
    forgetSubject: subjects.forgetSubject,
    addCosignatures: checkpoints.addCosignatures,
    witnessRequest: checkpoints.witnessRequest,
    // One consistent snapshot: another process appending meanwhile must not look like entries
    // "beyond the recorded size".
    verifyIntegrity: () =>
      snapshotTransaction(storage, (tx) =>
        verifyLedgerIntegrity({ storage: { ...storage, db: tx }, origin, logVerifier }),
      ),
    close: queue.close,
  };
}
