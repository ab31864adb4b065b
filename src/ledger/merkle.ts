import { hash } from 'node:crypto';
import { err, ok, type Result } from '../kernel/index.ts';
import { bytesEqual } from './encoding.ts';

/**
 * Merkle trees of RFC 9162 §2.1 (the tree of RFC 6962, unchanged): SHA-256, leaf hash
 * `H(0x00 || d)`, interior node hash `H(0x01 || left || right)`, a tree of n > 1 leaves split at the
 * largest power of two smaller than n. Pure: no I/O.
 *
 * Proofs are generated over a {@link SubtreeSource}, anything that can give the hash of a complete
 * subtree (a node of the tree addressed by level and index). A proof element of RFC 9162 is the
 * Merkle Tree Hash of a range of leaves; every range that occurs in an inclusion or a consistency
 * proof is either a complete subtree or the right edge of one, so it is computed from at most
 * log2(n) complete subtrees (see {@link rangeNodes}). Planning which nodes are needed is separate
 * from fetching them, so a database can fetch all of a proof's nodes in one query.
 *
 * Sizes and indexes are JavaScript numbers, limited to safe integers (2^53 − 1 leaves); bit
 * operators are avoided because they truncate to 32 bits.
 */

export const HASH_SIZE = 32;
export type Hash = Uint8Array;

/** MTH({}) = SHA-256() — RFC 9162 §2.1.1. */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

function sha256(data: Uint8Array): Hash {
  return hash('sha256', data, 'buffer');
}

/** MTH({d}) = SHA-256(0x00 || d) — RFC 9162 §2.1.1. */
export function leafHash(data: Uint8Array): Hash {
  const input = new Uint8Array(data.length + 1);
  input[0] = 0x00;
  input.set(data, 1);
  return sha256(input);
}

const nodeInput = new Uint8Array(1 + 2 * HASH_SIZE);
/** SHA-256(0x01 || left || right) — RFC 9162 §2.1.1. */
export function nodeHash(left: Hash, right: Hash): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    const input = new Uint8Array(1 + left.length + right.length);
    input[0] = 0x01;
    input.set(left, 1);
    input.set(right, 1 + left.length);
    return sha256(input);
  }
  nodeInput[0] = 0x01;
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return sha256(nodeInput);
}

/** A complete subtree: the node at `level` (0 for leaves) covering leaves [index·2^level, (index+1)·2^level). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** Anything that can give the hashes of complete subtrees (a database, a memory tree, tiles…). */
export interface SubtreeSource {
  /** The hashes of `nodes`, in the same order. Every node asked for lies inside a tree size already stored. */
  subtreeHashes(nodes: readonly NodeId[]): Promise<readonly Hash[]>;
}

export const isTreeSize = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;

/** The largest power of two smaller than n (n ≥ 2): the split point k of RFC 9162 §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Whether n is an exact power of two (n ≥ 1). */
export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/**
 * The complete subtrees whose right fold is MTH(D[begin:end]), largest first. For the ranges of
 * RFC 9162 proofs (`begin` a multiple of the smallest power of two ≥ end − begin) this follows the
 * split of §2.1.1 exactly: the left part is the largest power of two smaller than the range, a
 * complete subtree, and the right part is the same problem again.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  if (!isTreeSize(begin) || !isTreeSize(end) || begin >= end) {
    throw new RangeError(`rangeNodes: empty or invalid range [${begin}, ${end})`);
  }
  const nodes: NodeId[] = [];
  let at = begin;
  while (at < end) {
    let width = 1;
    let level = 0;
    while (at % (width * 2) === 0 && at + width * 2 <= end) {
      width *= 2;
      level += 1;
    }
    nodes.push({ level, index: at / width });
    at += width;
  }
  // A range that does not start aligned would decompose differently from the §2.1.1 split (and is
  // never part of a proof): refuse rather than compute a hash that means nothing.
  for (let i = 1; i < nodes.length; i++) {
    if (nodes[i]!.level >= nodes[i - 1]!.level) {
      throw new RangeError(`rangeNodes: [${begin}, ${end}) is not a subtree or the right edge of one`);
    }
  }
  return nodes;
}

/** Right fold of complete-subtree hashes: H(n1, H(n2, … H(nk−1, nk))). */
export function foldRight(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) throw new RangeError('foldRight: no hashes');
  let acc = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc);
  return acc;
}

/** One proof element per entry: the complete subtrees to fold into it. */
export type ProofPlan = readonly (readonly NodeId[])[];

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1, as the ranges of its elements, leaf end first. */
export function inclusionPlan(index: number, size: number): ProofPlan {
  if (!isTreeSize(index) || !isTreeSize(size)) throw new RangeError('inclusionPlan: invalid index or size');
  if (index >= size) throw new RangeError(`inclusionPlan: index ${index} is not below tree size ${size}`);
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index - lo < k) {
      ranges.push([lo + k, hi]); // PATH(m, D[0:k]) : MTH(D[k:n])
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]); // PATH(m − k, D[k:n]) : MTH(D[0:k])
      lo += k;
    }
  }
  return ranges.reverse().map(([a, b]) => rangeNodes(a, b));
}

/**
 * PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1, as the ranges of its elements.
 * Empty when m = n (the RFC's SUBPROOF(m, D[m], true)) and when m = 0 (the empty tree is consistent
 * with every tree; RFC 9162 defines proofs for 0 < m ≤ n only).
 */
export function consistencyPlan(size1: number, size2: number): ProofPlan {
  if (!isTreeSize(size1) || !isTreeSize(size2)) throw new RangeError('consistencyPlan: invalid sizes');
  if (size1 > size2) throw new RangeError(`consistencyPlan: first size ${size1} is after second ${size2}`);
  if (size1 === 0) return [];
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let complete = true; // the RFC's b: whether the subtree is a complete part of the old tree
  for (;;) {
    if (m === hi - lo) {
      if (!complete) ranges.push([lo, hi]); // SUBPROOF(m, D[m], false) = {MTH(D[m])}
      break;
    }
    const k = splitPoint(hi - lo);
    if (m <= k) {
      ranges.push([lo + k, hi]); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]); // SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])
      lo += k;
      m -= k;
      complete = false;
    }
  }
  return ranges.reverse().map(([a, b]) => rangeNodes(a, b));
}

const nodeKey = (n: NodeId): string => `${n.level}/${n.index}`;

/** Fetch every node a plan needs in one call, then fold each element. */
export async function resolvePlan(source: SubtreeSource, plan: ProofPlan): Promise<Hash[]> {
  const wanted = new Map<string, NodeId>();
  for (const element of plan) for (const n of element) wanted.set(nodeKey(n), n);
  const ids = [...wanted.values()];
  const hashes = ids.length === 0 ? [] : await source.subtreeHashes(ids);
  if (hashes.length !== ids.length) throw new Error('SubtreeSource returned the wrong number of hashes');
  const byKey = new Map<string, Hash>();
  ids.forEach((n, i) => {
    byKey.set(nodeKey(n), hashes[i]!);
  });
  return plan.map((element) => foldRight(element.map((n) => byKey.get(nodeKey(n))!)));
}

export function inclusionProof(source: SubtreeSource, index: number, size: number): Promise<Hash[]> {
  return resolvePlan(source, inclusionPlan(index, size));
}

export function consistencyProof(source: SubtreeSource, size1: number, size2: number): Promise<Hash[]> {
  return resolvePlan(source, consistencyPlan(size1, size2));
}

/** MTH(D[size]) from the complete subtrees of the tree of that size. */
export async function treeRoot(source: SubtreeSource, size: number): Promise<Hash> {
  if (!isTreeSize(size)) throw new RangeError('treeRoot: invalid size');
  if (size === 0) return EMPTY_ROOT;
  const [root] = await resolvePlan(source, [rangeNodes(0, size)]);
  return root!;
}

/**
 * The right edge of a growing tree (a "compact range" of [0, size)): the hash of the complete
 * subtree for each set bit of `size`. Appending a leaf completes the nodes above it, which are
 * reported to `onNode` so they can be stored. The root is their right fold.
 */
export class Frontier {
  #size: number;
  /** By level; defined where bit `level` of size is set. */
  readonly #byLevel: (Hash | undefined)[];

  constructor(size = 0, byLevel: readonly (Hash | undefined)[] = []) {
    if (!isTreeSize(size)) throw new RangeError('Frontier: invalid size');
    this.#size = size;
    this.#byLevel = [...byLevel];
    for (const n of Frontier.nodesOf(size)) {
      if (!this.#byLevel[n.level]) throw new RangeError(`Frontier: missing node at level ${n.level}`);
    }
  }

  /** The complete subtrees that make up [0, size), largest first (the nodes a Frontier needs). */
  static nodesOf(size: number): NodeId[] {
    return size === 0 ? [] : rangeNodes(0, size);
  }

  /** A frontier from the hashes of {@link Frontier.nodesOf}(size), in that order. */
  static fromNodes(size: number, hashes: readonly Hash[]): Frontier {
    const nodes = Frontier.nodesOf(size);
    if (hashes.length !== nodes.length) throw new RangeError('Frontier.fromNodes: wrong number of hashes');
    const byLevel: Hash[] = [];
    nodes.forEach((n, i) => {
      byLevel[n.level] = hashes[i]!;
    });
    return new Frontier(size, byLevel);
  }

  get size(): number {
    return this.#size;
  }

  /** Append a leaf hash; report every node it completes (level ≥ 1), lowest first. */
  append(leaf: Hash, onNode?: (level: number, index: number, hash: Hash) => void): void {
    let h = leaf;
    let index = this.#size;
    let level = 0;
    while (odd(index)) {
      h = nodeHash(this.#byLevel[level]!, h);
      this.#byLevel[level] = undefined;
      index = half(index);
      level += 1;
      onNode?.(level, index, h);
    }
    this.#byLevel[level] = h;
    this.#size += 1;
  }

  root(): Hash {
    if (this.#size === 0) return EMPTY_ROOT;
    const hashes: Hash[] = [];
    for (let level = this.#byLevel.length - 1; level >= 0; level--) {
      const h = this.#byLevel[level];
      if (h) hashes.push(h);
    }
    return foldRight(hashes);
  }

  clone(): Frontier {
    return new Frontier(this.#size, this.#byLevel);
  }
}

/** A whole tree in memory: every complete subtree by level. For tests, tools and offline checks. */
export class MemoryTree implements SubtreeSource {
  readonly #levels: Hash[][] = [[]];
  readonly #frontier = new Frontier();

  get size(): number {
    return this.#frontier.size;
  }

  appendLeaf(data: Uint8Array): void {
    this.appendLeafHash(leafHash(data));
  }

  appendLeafHash(h: Hash): void {
    this.#levels[0]!.push(h);
    this.#frontier.append(h, (level, index, node) => {
      this.#levels[level] ??= [];
      this.#levels[level][index] = node;
    });
  }

  async subtreeHashes(nodes: readonly NodeId[]): Promise<Hash[]> {
    return nodes.map((n) => {
      const h = this.#levels[n.level]?.[n.index];
      if (!h) throw new RangeError(`MemoryTree: no complete subtree at level ${n.level}, index ${n.index}`);
      return h;
    });
  }

  root(size = this.size): Promise<Hash> {
    if (size > this.size) throw new RangeError('MemoryTree: size beyond the tree');
    return treeRoot(this, size);
  }
}

// ---------------------------------------------------------------------------------------------------
// Verification, exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 write it.

export type ProofFailure =
  | 'invalid_argument'
  | 'malformed_hash'
  | 'index_out_of_range'
  | 'first_after_second'
  | 'wrong_proof_length'
  | 'root_mismatch'
  | 'first_root_mismatch'
  | 'second_root_mismatch';

export interface ProofError {
  readonly reason: ProofFailure;
  readonly message: string;
}

const fail = (reason: ProofFailure, message: string): Result<never, ProofError> => err({ reason, message });

function hashesWellFormed(...hashes: readonly Hash[]): boolean {
  return hashes.every((h) => h instanceof Uint8Array && h.length === HASH_SIZE);
}

/**
 * RFC 9162 §2.1.3.2: verify that `leaf` (a leaf hash) is at `index` in the tree of `size` leaves
 * whose root is `root`. The size must come from somewhere the verifier trusts (a signed checkpoint):
 * like every RFC 6962 verifier, this one cannot tell a tree of size n from another size whose path
 * to the same leaf has the same shape.
 */
export function verifyInclusionProof(
  leaf: Hash,
  index: number,
  size: number,
  proof: readonly Hash[],
  root: Hash,
): Result<void, ProofError> {
  if (!isTreeSize(index) || !isTreeSize(size))
    return fail('invalid_argument', 'index and size must be integers ≥ 0');
  if (!hashesWellFormed(leaf, root, ...proof)) return fail('malformed_hash', 'every hash must be 32 bytes');
  // 1. If leaf_index is greater than or equal to tree_size, fail.
  if (index >= size) return fail('index_out_of_range', `leaf index ${index} is not below tree size ${size}`);
  // 2. Set fn to leaf_index and sn to tree_size - 1. 3. Set r to hash.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  // 4. For each value p in the inclusion_path array:
  for (const p of proof) {
    // a. If sn is 0, stop the iteration and fail the proof verification.
    if (sn === 0) return fail('wrong_proof_length', 'proof is longer than the path to the root');
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (odd(fn) || fn === sn) {
      // i. Set r to HASH(0x01 || p || r).
      r = nodeHash(p, r);
      // ii. If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      // Otherwise: i. Set r to HASH(0x01 || r || p).
      r = nodeHash(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // 5. Compare sn to 0. Compare r against the root_hash.
  if (sn !== 0) return fail('wrong_proof_length', 'proof is shorter than the path to the root');
  if (!bytesEqual(r, root)) return fail('root_mismatch', 'the proof does not lead to the root hash');
  return ok(undefined);
}

/**
 * RFC 9162 §2.1.4.2: verify that the tree of `size1` leaves with root `root1` is a prefix of the tree
 * of `size2` leaves with root `root2`. The RFC's algorithm covers 0 < size1 < size2; around it, as
 * the C2SP witness protocol requires: equal sizes need an empty proof and equal roots, and the empty
 * tree (size1 = 0, root SHA-256 of nothing) is consistent with any tree, with an empty proof.
 */
export function verifyConsistencyProof(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
  root2: Hash,
): Result<void, ProofError> {
  if (!isTreeSize(size1) || !isTreeSize(size2)) return fail('invalid_argument', 'sizes must be integers ≥ 0');
  if (!hashesWellFormed(root1, root2, ...proof)) return fail('malformed_hash', 'every hash must be 32 bytes');
  if (size1 > size2) return fail('first_after_second', `first size ${size1} is larger than second ${size2}`);
  if (size1 === size2) {
    if (proof.length !== 0) return fail('wrong_proof_length', 'trees of equal size need an empty proof');
    if (!bytesEqual(root1, root2)) return fail('root_mismatch', 'trees of equal size have different roots');
    return ok(undefined);
  }
  if (size1 === 0) {
    if (proof.length !== 0) return fail('wrong_proof_length', 'the empty tree needs an empty proof');
    if (!bytesEqual(root1, EMPTY_ROOT)) return fail('first_root_mismatch', 'not the root of the empty tree');
    return ok(undefined);
  }
  // 1. If consistency_path is an empty array, stop and fail the proof verification.
  if (proof.length === 0) return fail('wrong_proof_length', 'empty proof for different tree sizes');
  // 2. If first is an exact power of 2, then prepend first_hash to the consistency_path array.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set.
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  let fr = path[0]!;
  let sr = path[0]!;
  // 6. For each subsequent value c in the consistency_path array:
  for (const c of path.slice(1)) {
    // a. If sn is 0, then stop the iteration and fail the proof verification.
    if (sn === 0) return fail('wrong_proof_length', 'proof is longer than the trees need');
    // b. If LSB(fn) is set, or if fn is equal to sn, then:
    if (odd(fn) || fn === sn) {
      // i. Set fr to HASH(0x01 || c || fr). ii. Set sr to HASH(0x01 || c || sr).
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      // iii. If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      // Otherwise: i. Set sr to HASH(0x01 || sr || c).
      sr = nodeHash(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = half(fn);
    sn = half(sn);
  }
  // 7. Verify that fr equals first_hash, sr equals second_hash, and sn is 0.
  if (sn !== 0) return fail('wrong_proof_length', 'proof is shorter than the trees need');
  if (!bytesEqual(fr, root1)) return fail('first_root_mismatch', 'the proof does not lead to the first root');
  if (!bytesEqual(sr, root2))
    return fail('second_root_mismatch', 'the proof does not lead to the second root');
  return ok(undefined);
}
