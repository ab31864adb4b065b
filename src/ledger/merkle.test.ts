import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  consistencyPlan,
  consistencyProof,
  EMPTY_ROOT,
  Frontier,
  type Hash,
  inclusionPlan,
  inclusionProof,
  leafHash,
  MemoryTree,
  nodeHash,
  rangeNodes,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './merkle.ts';

// ---------------------------------------------------------------------------------------------------
// A naive reference: RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1 (PROOF / SUBPROOF) written
// as the RFC writes them, recursively over the list of inputs, with its own hashing and split.

const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const refSplit = (n: number): number => 2 ** Math.floor(Math.log2(n - 1)); // largest power of 2 < n, n ≥ 2

function refMth(d: readonly Uint8Array[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.from([0x00]), d[0]!);
  const k = refSplit(d.length);
  return sha(Buffer.from([0x01]), refMth(d.slice(0, k)), refMth(d.slice(k)));
}

function refPath(m: number, d: readonly Uint8Array[]): Buffer[] {
  if (d.length === 1) return [];
  const k = refSplit(d.length);
  if (m < k) return [...refPath(m, d.slice(0, k)), refMth(d.slice(k))];
  return [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
}

function refSubproof(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
  const n = d.length;
  if (m === n) return b ? [] : [refMth(d)];
  const k = refSplit(n);
  if (m <= k) return [...refSubproof(m, d.slice(0, k), b), refMth(d.slice(k))];
  return [...refSubproof(m - k, d.slice(k), false), refMth(d.slice(0, k))];
}
const refProof = (m: number, d: readonly Uint8Array[]): Buffer[] => refSubproof(m, d, true);

// ---------------------------------------------------------------------------------------------------

const MAX = 64;
const leaves = Array.from({ length: MAX + 8 }, (_, i) => Buffer.from(`leaf ${i} — ${'x'.repeat(i % 5)}`));
const tree = new MemoryTree();
for (const l of leaves) tree.appendLeaf(l);
const leafAt = (i: number): Hash => leafHash(leaves[i]!);

const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');
const hexes = (hs: readonly Uint8Array[]): string[] => hs.map(hex);
const flipBit = (h: Uint8Array, bit: number): Uint8Array => {
  const c = Uint8Array.from(h);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};
/** The left/right pattern of an inclusion path: what a verifier can see of a tree size. */
const pathShape = (m: number, n: number): string =>
  inclusionPlan(m, n)
    .map((e) => (e[0]!.index * 2 ** e[0]!.level > m ? 'R' : 'L'))
    .join('');

describe('Merkle tree hash (RFC 9162 §2.1.1)', () => {
  test('roots for every size 0..64 equal the recursive reference', async () => {
    for (let n = 0; n <= MAX; n++) {
      assert.equal(hex(await tree.root(n)), hex(refMth(leaves.slice(0, n))), `size ${n}`);
    }
  });

  test('the empty tree is SHA-256 of nothing, and not the hash of an empty leaf', () => {
    assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.notEqual(hex(leafHash(new Uint8Array(0))), hex(EMPTY_ROOT));
  });

  test('a frontier rebuilt from its stored nodes continues the same tree', async () => {
    for (let n = 0; n <= MAX; n++) {
      const nodes = Frontier.nodesOf(n);
      const f = Frontier.fromNodes(n, await tree.subtreeHashes(nodes));
      assert.equal(hex(f.root()), hex(await tree.root(n)));
      for (let i = n; i < MAX; i++) f.append(leafAt(i));
      assert.equal(hex(f.root()), hex(await tree.root(MAX)), `from ${n}`);
    }
  });

  test('rangeNodes refuses ranges that are not a subtree or its right edge', () => {
    assert.deepEqual(rangeNodes(8, 13), [
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    assert.throws(() => rangeNodes(1, 4), RangeError);
    assert.throws(() => rangeNodes(3, 3), RangeError);
    assert.throws(() => rangeNodes(-1, 3), RangeError);
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  test('every leaf of every tree of 1..64 leaves: equal to PATH(m, D[n]) and verified', async () => {
    for (let n = 1; n <= MAX; n++) {
      const root = await tree.root(n);
      for (let m = 0; m < n; m++) {
        const proof = await inclusionProof(tree, m, n);
        assert.deepEqual(hexes(proof), hexes(refPath(m, leaves.slice(0, n))), `PATH(${m}, D[${n}])`);
        assert.equal(verifyInclusionProof(leafAt(m), m, n, proof, root).ok, true, `verify ${m}/${n}`);
      }
    }
  });

  test('every leaf of every tree of 1..64 leaves: any change to leaf, root, proof, index or length fails', async () => {
    for (let n = 1; n <= MAX; n++) {
      const root = await tree.root(n);
      for (let m = 0; m < n; m++) {
        const proof = await inclusionProof(tree, m, n);
        const leaf = leafAt(m);
        const bit = (m * 31 + n) % 256;
        assert.equal(verifyInclusionProof(flipBit(leaf, bit), m, n, proof, root).ok, false);
        assert.equal(verifyInclusionProof(leaf, m, n, proof, flipBit(root, bit)).ok, false);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
          assert.equal(verifyInclusionProof(leaf, m, n, bad, root).ok, false, `element ${i} of ${m}/${n}`);
        }
        // Every other index of the same tree.
        for (let m2 = 0; m2 < n; m2++) {
          if (m2 !== m) assert.equal(verifyInclusionProof(leaf, m2, n, proof, root).ok, false, `${m}→${m2}`);
        }
        // Another leaf of the tree, at this index.
        if (n > 1) assert.equal(verifyInclusionProof(leafAt((m + 1) % n), m, n, proof, root).ok, false);
        // Too short, too long.
        if (proof.length > 0) {
          const r = verifyInclusionProof(leaf, m, n, proof.slice(0, -1), root);
          assert.equal(!r.ok && r.error.reason, 'wrong_proof_length');
        }
        const longer = verifyInclusionProof(leaf, m, n, [...proof, root], root);
        assert.equal(!longer.ok && longer.error.reason, 'wrong_proof_length');
        // Another size: accepted exactly when the path has the same left/right shape, which the
        // proof alone cannot tell apart — the reason the size must come from a signed checkpoint.
        for (let n2 = m + 1; n2 <= MAX + 8; n2++) {
          if (n2 === n) continue;
          const accepted = verifyInclusionProof(leaf, m, n2, proof, root).ok;
          assert.equal(accepted, pathShape(m, n2) === pathShape(m, n), `size ${n}→${n2} for leaf ${m}`);
        }
      }
    }
  });

  test('refuses an index at or beyond the size, bad numbers and malformed hashes', async () => {
    const root = await tree.root(5);
    const proof = await inclusionProof(tree, 4, 5);
    const reason = (r: ReturnType<typeof verifyInclusionProof>) => (r.ok ? 'ok' : r.error.reason);
    assert.equal(reason(verifyInclusionProof(leafAt(4), 5, 5, proof, root)), 'index_out_of_range');
    assert.equal(reason(verifyInclusionProof(leafAt(0), 0, 0, [], EMPTY_ROOT)), 'index_out_of_range');
    assert.equal(reason(verifyInclusionProof(leafAt(4), -1, 5, proof, root)), 'invalid_argument');
    assert.equal(reason(verifyInclusionProof(leafAt(4), 4, 5.5, proof, root)), 'invalid_argument');
    assert.equal(reason(verifyInclusionProof(leafAt(4), 4, 2 ** 53, proof, root)), 'invalid_argument');
    assert.equal(reason(verifyInclusionProof(leafAt(4).subarray(1), 4, 5, proof, root)), 'malformed_hash');
    assert.equal(reason(verifyInclusionProof(leafAt(4), 4, 5, [new Uint8Array(33)], root)), 'malformed_hash');
    assert.throws(() => inclusionPlan(5, 5), RangeError);
    assert.throws(() => inclusionPlan(0, 0), RangeError);
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  test('every pair 0 ≤ m ≤ n ≤ 64: equal to PROOF(m, D[n]) and verified', async () => {
    for (let n = 0; n <= MAX; n++) {
      const root2 = await tree.root(n);
      for (let m = 0; m <= n; m++) {
        const proof = await consistencyProof(tree, m, n);
        const expected = m === 0 ? [] : refProof(m, leaves.slice(0, n));
        assert.deepEqual(hexes(proof), hexes(expected), `PROOF(${m}, D[${n}])`);
        assert.equal(verifyConsistencyProof(m, n, proof, await tree.root(m), root2).ok, true, `${m}→${n}`);
      }
    }
  });

  test('every pair 1 ≤ m < n ≤ 64: any changed hash, length, or order of sizes fails', async () => {
    for (let n = 2; n <= MAX; n++) {
      const root2 = await tree.root(n);
      for (let m = 1; m < n; m++) {
        const root1 = await tree.root(m);
        const proof = await consistencyProof(tree, m, n);
        const bit = (m * 17 + n) % 256;
        const reason = (r: ReturnType<typeof verifyConsistencyProof>) => (r.ok ? 'ok' : r.error.reason);
        assert.notEqual(reason(verifyConsistencyProof(m, n, proof, flipBit(root1, bit), root2)), 'ok');
        assert.notEqual(reason(verifyConsistencyProof(m, n, proof, root1, flipBit(root2, bit))), 'ok');
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
          assert.notEqual(reason(verifyConsistencyProof(m, n, bad, root1, root2)), 'ok', `element ${i}`);
        }
        assert.notEqual(reason(verifyConsistencyProof(m, n, proof.slice(0, -1), root1, root2)), 'ok');
        assert.notEqual(reason(verifyConsistencyProof(m, n, [...proof, root2], root1, root2)), 'ok');
        assert.notEqual(reason(verifyConsistencyProof(m, n, proof.slice(1), root1, root2)), 'ok');
        assert.equal(reason(verifyConsistencyProof(n, m, proof, root2, root1)), 'first_after_second');
        assert.equal(reason(verifyConsistencyProof(m, n, [], root1, root2)), 'wrong_proof_length');
        // Equal sizes with different roots, or an old tree that is not a prefix.
        assert.equal(reason(verifyConsistencyProof(n, n, [], root1, root2)), 'root_mismatch');
        if (m + 1 < n) {
          const other = await tree.root(m + 1);
          assert.notEqual(reason(verifyConsistencyProof(m, n, proof, other, root2)), 'ok');
        }
        // Other sizes: a proof has no sizes in it, so only sizes whose proofs have the same length
        // can possibly be accepted; the sizes must come from signed checkpoints. Every other pair of
        // sizes up to 26 for small trees, pairs near the true ones above.
        const near = n > 24;
        for (let n2 = near ? n - 3 : 1; n2 <= n + 2; n2++) {
          for (let m2 = near ? Math.max(1, m - 3) : 1; m2 <= (near ? Math.min(n2, m + 3) : n2); m2++) {
            if (m2 === m && n2 === n) continue;
            if (verifyConsistencyProof(m2, n2, proof, root1, root2).ok) {
              assert.equal(consistencyPlan(m2, n2).length, proof.length, `${m}/${n} as ${m2}/${n2}`);
              assert.notEqual(m2, n2);
            }
          }
        }
      }
    }
  });

  test('the empty tree is consistent with every tree, with an empty proof only', async () => {
    const root = await tree.root(7);
    assert.equal(verifyConsistencyProof(0, 7, [], EMPTY_ROOT, root).ok, true);
    assert.equal(verifyConsistencyProof(0, 0, [], EMPTY_ROOT, EMPTY_ROOT).ok, true);
    assert.equal(verifyConsistencyProof(0, 7, [root], EMPTY_ROOT, root).ok, false);
    assert.equal(verifyConsistencyProof(0, 7, [], root, root).ok, false);
    assert.throws(() => consistencyPlan(8, 7), RangeError);
  });
});

describe('properties on larger trees (fast-check)', () => {
  const BIG = 1500;
  const big = new MemoryTree();
  for (let i = 0; i < BIG; i++) big.appendLeaf(Buffer.from(`big ${i}`));
  const bigLeaf = (i: number) => leafHash(Buffer.from(`big ${i}`));

  const sizeAndIndex = fc
    .integer({ min: 1, max: BIG })
    .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));

  test('a proof verifies; flipping any one bit of leaf, root or any proof element breaks it', async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndIndex, fc.nat(), fc.nat(255), async ([n, m], pick, bit) => {
        const root = await big.root(n);
        const proof = await inclusionProof(big, m, n);
        if (!verifyInclusionProof(bigLeaf(m), m, n, proof, root).ok) return false;
        const where = pick % (proof.length + 2);
        if (where === proof.length)
          return !verifyInclusionProof(flipBit(bigLeaf(m), bit), m, n, proof, root).ok;
        if (where === proof.length + 1)
          return !verifyInclusionProof(bigLeaf(m), m, n, proof, flipBit(root, bit)).ok;
        const bad = proof.map((p, i) => (i === where ? flipBit(p, bit) : p));
        return !verifyInclusionProof(bigLeaf(m), m, n, bad, root).ok;
      }),
      { numRuns: 1000 },
    );
  });

  test('any other index, or any proof element dropped, duplicated or swapped, fails', async () => {
    await fc.assert(
      fc.asyncProperty(sizeAndIndex, fc.nat(), async ([n, m], pick) => {
        const root = await big.root(n);
        const proof = await inclusionProof(big, m, n);
        const other = (m + 1 + (pick % Math.max(1, n - 1))) % n;
        if (other !== m && verifyInclusionProof(bigLeaf(m), other, n, proof, root).ok) return false;
        if (proof.length === 0) return true;
        const i = pick % proof.length;
        const dropped = proof.filter((_, j) => j !== i);
        const duplicated = [...proof.slice(0, i + 1), proof[i]!, ...proof.slice(i + 1)];
        const swapped = [...proof];
        if (proof.length > 1)
          [swapped[i], swapped[(i + 1) % proof.length]] = [swapped[(i + 1) % proof.length]!, swapped[i]!];
        return (
          !verifyInclusionProof(bigLeaf(m), m, n, dropped, root).ok &&
          !verifyInclusionProof(bigLeaf(m), m, n, duplicated, root).ok &&
          (proof.length === 1 || !verifyInclusionProof(bigLeaf(m), m, n, swapped, root).ok)
        );
      }),
      { numRuns: 1000 },
    );
  });

  test('consistency: a proof verifies; a flipped bit anywhere, or a wrong old tree, fails', async () => {
    const pair = fc
      .integer({ min: 1, max: BIG })
      .chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));
    await fc.assert(
      fc.asyncProperty(pair, fc.nat(), fc.nat(255), async ([m, n], pick, bit) => {
        const root1 = await big.root(m);
        const root2 = await big.root(n);
        const proof = await consistencyProof(big, m, n);
        if (!verifyConsistencyProof(m, n, proof, root1, root2).ok) return false;
        if (m === n) return !verifyConsistencyProof(m, n, [], flipBit(root1, bit), root2).ok;
        const where = pick % (proof.length + 2);
        if (where === proof.length)
          return !verifyConsistencyProof(m, n, proof, flipBit(root1, bit), root2).ok;
        if (where === proof.length + 1)
          return !verifyConsistencyProof(m, n, proof, root1, flipBit(root2, bit)).ok;
        const bad = proof.map((p, i) => (i === where ? flipBit(p, bit) : p));
        return !verifyConsistencyProof(m, n, bad, root1, root2).ok;
      }),
      { numRuns: 1000 },
    );
  });
});

describe('published test vectors', () => {
  // RFC 6962 hasher vectors from transparency-dev/merkle, rfc6962/rfc6962_test.go at commit
  // 417fb0c314750d94e53942e9f92e79b6d35915db:
  // https://github.com/transparency-dev/merkle/blob/417fb0c314750d94e53942e9f92e79b6d35915db/rfc6962/rfc6962_test.go
  test('leaf and node hashing', () => {
    assert.equal(
      hex(leafHash(new Uint8Array(0))),
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    assert.equal(
      hex(leafHash(Buffer.from('L123456'))),
      '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56',
    );
    assert.equal(
      hex(nodeHash(Buffer.from('N123'), Buffer.from('N456'))),
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    );
  });

  // The standard eight-leaf tree (from the RFC 6962 reference code, kept by transparency-dev/merkle):
  // leaf inputs and root hashes for sizes 0..8 from testonly/constants.go, inclusion and consistency
  // proofs from cmd/proofgen/main.go (leaf indexes there are 1-based; here they are 0-based), both at
  // commit 417fb0c314750d94e53942e9f92e79b6d35915db:
  // https://github.com/transparency-dev/merkle/blob/417fb0c314750d94e53942e9f92e79b6d35915db/testonly/constants.go
  // https://github.com/transparency-dev/merkle/blob/417fb0c314750d94e53942e9f92e79b6d35915db/cmd/proofgen/main.go
  const inputs = [
    '',
    '00',
    '10',
    '2021',
    '3031',
    '40414243',
    '5051525354555657',
    '606162636465666768696a6b6c6d6e6f',
  ].map((h) => Buffer.from(h, 'hex'));
  const roots = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  const inclusion: { index: number; size: number; proof: string[] }[] = [
    { index: 0, size: 1, proof: [] },
    {
      index: 0,
      size: 8,
      proof: [
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ],
    },
    {
      index: 5,
      size: 8,
      proof: [
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
    { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
    {
      index: 1,
      size: 5,
      proof: [
        '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ],
    },
  ];
  const consistency: { size1: number; size2: number; proof: string[] }[] = [
    { size1: 1, size2: 1, proof: [] },
    {
      size1: 1,
      size2: 8,
      proof: [
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ],
    },
    {
      size1: 6,
      size2: 8,
      proof: [
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
    {
      size1: 2,
      size2: 5,
      proof: [
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ],
    },
    {
      size1: 6,
      size2: 7,
      proof: [
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
  ];
  const standard = new MemoryTree();
  for (const d of inputs) standard.appendLeaf(d);
  const fromHex = (h: string) => Buffer.from(h, 'hex');

  test('roots of sizes 0..8', async () => {
    for (let n = 0; n <= 8; n++) assert.equal(hex(await standard.root(n)), roots[n], `size ${n}`);
  });

  test('inclusion proofs: generated equal to the published ones, and the published ones verify', async () => {
    for (const v of inclusion) {
      assert.deepEqual(hexes(await inclusionProof(standard, v.index, v.size)), v.proof);
      const r = verifyInclusionProof(
        leafHash(inputs[v.index]!),
        v.index,
        v.size,
        v.proof.map(fromHex),
        fromHex(roots[v.size]!),
      );
      assert.equal(r.ok, true, `${v.index}/${v.size}`);
    }
  });

  test('consistency proofs: generated equal to the published ones, and the published ones verify', async () => {
    for (const v of consistency) {
      assert.deepEqual(hexes(await consistencyProof(standard, v.size1, v.size2)), v.proof);
      const r = verifyConsistencyProof(
        v.size1,
        v.size2,
        v.proof.map(fromHex),
        fromHex(roots[v.size1]!),
        fromHex(roots[v.size2]!),
      );
      assert.equal(r.ok, true, `${v.size1}→${v.size2}`);
    }
  });
});
