/**
 * Checkpoints: signing the tree as C2SP signed notes, storing witnesses' cosignatures, and the
 * add-checkpoint requests sent to witnesses.
 *
 * Rules it enforces:
 * - A checkpoint is signed only for a tree that extends the last signed one: before signing, a
 *   consistency proof computed from the stored nodes must lead from the last stored checkpoint (whose
 *   own signature must verify) to the new root; otherwise nothing is signed (`integrity`,
 *   `inconsistent_tree`).
 * - One checkpoint per size: signing a size already signed keeps the stored one; asking for a
 *   checkpoint when nothing was appended returns the latest.
 * - A cosignature is stored only when it verifies, with a witness key we were given, over the stored
 *   checkpoint of that size; one that does not verify refuses the whole set (`invalid_signature`),
 *   lines from unknown keys are counted as ignored.
 * - A witness request carries the latest signed checkpoint and a consistency proof from the size the
 *   witness last cosigned.
 */
import type { Clock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import { formatCheckpoint, openCheckpoint } from './checkpoint.ts';
import { encodeBase64, fromHex, toHex } from './encoding.ts';
import { LedgerError } from './errors.ts';
import {
  consistencyProof as buildConsistencyProof,
  HASH_SIZE,
  isTreeSize,
  type SubtreeSource,
  treeRoot,
  verifyConsistencyProof,
} from './merkle.ts';
import { type NoteSigner, type NoteVerifier, openNote, parseSignatureLine, signNote } from './note.ts';
import { outOfRange, type TreeSize } from './tree-size.ts';

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

export interface Checkpoints {
  /** A signed checkpoint for the current tree size (the stored one when nothing was added). */
  checkpoint(): Promise<SignedCheckpoint>;
  latest(): Promise<SignedCheckpoint | undefined>;
  at(size: number): Promise<SignedCheckpoint | undefined>;
  /** The latest checkpoint when it covers entry `index`, else one signed now. */
  covering(index: number): Promise<SignedCheckpoint>;
  addCosignatures(size: number, signatureLines: string): Promise<{ stored: number; ignored: number }>;
  witnessRequest(oldSize: number): Promise<string>;
}

interface CheckpointRow {
  size: number;
  root_hash: string;
  note: string;
  created_at: number;
}

export function createCheckpoints(o: {
  readonly storage: Storage;
  readonly origin: string;
  readonly clock: Clock;
  readonly signer: NoteSigner;
  readonly logVerifier: NoteVerifier;
  readonly witnessVerifiers: readonly NoteVerifier[];
  readonly source: SubtreeSource;
  readonly treeSize: TreeSize;
  /** The consistency proofs of the log (proofs.ts), for the witness request; only this is needed here. */
  readonly proofs: {
    consistencyProof(size1: number, size2: number): Promise<{ readonly hashes: readonly string[] }>;
  };
}): Checkpoints {
  const { storage, origin, clock, signer, logVerifier, witnessVerifiers, source, treeSize, proofs } = o;

  async function stored(row: CheckpointRow): Promise<SignedCheckpoint> {
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

  function latestRow() {
    return storage.db
      .selectFrom('ledger_checkpoints')
      .selectAll()
      .orderBy('size', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async function checkpoint(): Promise<SignedCheckpoint> {
    const size = await treeSize.current();
    const latest = await latestRow();
    if (latest && Number(latest.size) >= size) return stored(latest);
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
    return stored(row);
  }

  return {
    checkpoint,
    async latest() {
      const row = await latestRow();
      return row ? stored(row) : undefined;
    },
    async at(size) {
      if (!isTreeSize(size)) throw outOfRange('size must be an integer ≥ 0');
      const row = await storage.db
        .selectFrom('ledger_checkpoints')
        .selectAll()
        .where('size', '=', size)
        .executeTakeFirst();
      return row ? stored(row) : undefined;
    },
    async covering(index) {
      const latest = await latestRow();
      return latest && Number(latest.size) > index ? stored(latest) : checkpoint();
    },
    async addCosignatures(size, signatureLines) {
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
    },
    async witnessRequest(oldSize) {
      const cp = await latestRow();
      if (!cp) throw outOfRange('no checkpoint has been signed yet');
      const proof = await proofs.consistencyProof(oldSize, Number(cp.size));
      return `old ${oldSize}\n${proof.hashes.map((h) => `${h}\n`).join('')}\n${cp.note}`;
    },
  };
}
