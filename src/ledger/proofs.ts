/**
 * Proofs from the stored tree: inclusion proofs, consistency proofs, and receipts (an entry with its
 * inclusion proof and a signed checkpoint that covers it).
 *
 * Rules it enforces:
 * - Every proof is computed from the stored complete subtrees (RFC 9162 §2.1.3 and §2.1.4), so it
 *   verifies with this module's pure verifiers against the root of a checkpoint we signed — and a
 *   stored node that is missing or not a hash is an integrity failure, never a wrong proof.
 * - Sizes and indexes are refused (`out_of_range`) when they are not integers ≥ 0, when a size is
 *   beyond the log, when an index is not below its size, or when the first size is after the second.
 * - A receipt's proof is for its checkpoint's signed size: the latest checkpoint when it covers the
 *   entry, else one signed on the spot (a proof alone cannot tell some tree sizes apart).
 */

import type { Checkpoints } from './checkpoints.ts';
import { encodeBase64 } from './encoding.ts';
import type { Entries } from './entries.ts';
import {
  consistencyProof as buildConsistencyProof,
  inclusionPlan,
  isTreeSize,
  resolvePlan,
  type SubtreeSource,
} from './merkle.ts';
import { RECEIPT_FORMAT, type Receipt } from './receipt.ts';
import { outOfRange, type TreeSize } from './tree-size.ts';

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

export interface Proofs {
  inclusionProof(index: number, size: number): Promise<InclusionProof>;
  consistencyProof(size1: number, size2: number): Promise<ConsistencyProof>;
}

export function createProofs(o: { readonly source: SubtreeSource; readonly treeSize: TreeSize }): Proofs {
  const { source, treeSize } = o;
  return {
    async inclusionProof(index, size) {
      if (!isTreeSize(index)) throw outOfRange('index must be an integer ≥ 0');
      await treeSize.check(size);
      if (index >= size) throw outOfRange(`index ${index} is not below tree size ${size}`);
      // The leaf and the proof's nodes in one fetch.
      const [leaf, ...hashes] = await resolvePlan(source, [
        [{ level: 0, index }],
        ...inclusionPlan(index, size),
      ]);
      return { index, treeSize: size, leafHash: encodeBase64(leaf!), hashes: hashes.map(encodeBase64) };
    },
    async consistencyProof(size1, size2) {
      if (!isTreeSize(size1)) throw outOfRange('sizes must be integers ≥ 0');
      await treeSize.check(size2);
      if (size1 > size2) throw outOfRange(`first size ${size1} is after second size ${size2}`);
      const hashes = await buildConsistencyProof(source, size1, size2);
      return { size1, size2, hashes: hashes.map(encodeBase64) };
    },
  };
}

/** `receipt(index)`: the entry as hashed, its inclusion proof, and a checkpoint that covers it. */
export function createReceipts(o: {
  readonly treeSize: TreeSize;
  readonly proofs: Proofs;
  readonly checkpoints: Checkpoints;
  readonly entries: Entries;
}): (index: number) => Promise<Receipt> {
  const { treeSize, proofs, checkpoints, entries } = o;
  return async (index) => {
    if (!isTreeSize(index)) throw outOfRange('index must be an integer ≥ 0');
    const size = index < treeSize.known() ? treeSize.known() : await treeSize.current();
    if (index >= size) throw outOfRange(`no entry at index ${index} (${size} entries)`);
    const cp = await checkpoints.covering(index);
    const stored = await entries.entry(index);
    const proof = await proofs.inclusionProof(index, cp.size);
    return {
      format: RECEIPT_FORMAT,
      index,
      entry: stored.leaf,
      leafHash: proof.leafHash,
      inclusionProof: proof.hashes,
      checkpoint: cp.note,
    };
  };
}
