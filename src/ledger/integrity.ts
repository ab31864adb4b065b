import { performance } from 'node:perf_hooks';
import type { Storage } from '../storage/index.ts';
import { openCheckpoint } from './checkpoint.ts';
import { bytesEqual, fromHex, toHex, utf8Bytes } from './encoding.ts';
import { type IntegrityProblem, LedgerIntegrityError } from './errors.ts';
import { EMPTY_ROOT, Frontier, HASH_SIZE, type Hash, leafHash } from './merkle.ts';
import type { NoteVerifier } from './note.ts';

export interface IntegrityReport {
  /** Entries checked (the tree size). */
  readonly size: number;
  /** Stored tree nodes compared. */
  readonly nodes: number;
  /** Signed checkpoints whose roots were recomputed and matched. */
  readonly checkpoints: number;
  readonly latestCheckpoint: number | undefined;
  readonly durationMs: number;
}

const PAGE = 5000;
const MAX_PROBLEMS = 50;

/**
 * Recompute the whole tree from the stored entries and compare it with everything stored or signed:
 * each entry's leaf hash and its indexed columns, every stored node, the recorded size, and the root
 * of every signed checkpoint (whose signature is checked with the log's own key). Entries are read
 * in pages, so memory stays flat. Throws {@link LedgerIntegrityError} naming what is wrong.
 *
 * What this catches: an entry changed, deleted or inserted (with or without its hashes rewritten), a
 * stored node changed, a checkpoint rewritten or forged, the log truncated below a signed checkpoint.
 * What no local check can catch — the log rewritten together with every checkpoint after the first
 * change — is what witnesses are for: their cosigned checkpoints live outside this database.
 */
export async function verifyLedgerIntegrity(args: {
  storage: Storage;
  origin: string;
  logVerifier: NoteVerifier;
}): Promise<IntegrityReport> {
  const started = performance.now();
  const { db } = args.storage;
  const problems: IntegrityProblem[] = [];
  const report = (p: IntegrityProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  /** Leaf indexes already reported, so the nodes above them are not reported again. */
  const reportedLeaves: number[] = [];
  const reportLeaf = (p: IntegrityProblem & { index: number }) => {
    reportedLeaves.push(p.index);
    report(p);
  };

  const stateRow = await db.selectFrom('ledger_state').select('size').where('id', '=', 1).executeTakeFirst();
  const recordedSize = stateRow ? Number(stateRow.size) : undefined;

  // Checkpoints: each must verify with our key, for our origin, and agree with its columns.
  const cpRows = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('size').execute();
  const signedRoots: { size: number; root: Hash; createdAt: number }[] = [];
  for (const row of cpRows) {
    const size = Number(row.size);
    const opened = openCheckpoint(row.note, [args.logVerifier], { origin: args.origin });
    if (!opened.ok) {
      report({
        kind: 'checkpoint_invalid',
        size,
        message: `the checkpoint at size ${size} does not verify with the ledger's key: ${opened.error.message}`,
      });
      continue;
    }
    const cp = opened.value.checkpoint;
    if (cp.size !== size || toHex(cp.rootHash) !== row.root_hash) {
      report({
        kind: 'checkpoint_invalid',
        size,
        message: `the checkpoint row at size ${size} disagrees with its own signed note (size ${cp.size})`,
      });
      continue;
    }
    signedRoots.push({ size, root: cp.rootHash, createdAt: Number(row.created_at) });
  }
  // The largest checkpoint each witness cosigned (kept by the witness pusher, migration 0014): a copy
  // of what lives outside this database. A local tree smaller than it lost its tail; one whose root
  // at that size differs was rewritten. Both are tampering, as for our own checkpoints.
  const witnessed: { size: number; root: Hash; witness: string }[] = [];
  const peerRows = await db
    .selectFrom('ledger_witness_peers')
    .select(['url', 'cosigned_size', 'cosigned_note'])
    .where('cosigned_note', 'is not', null)
    .execute();
  for (const row of peerRows) {
    const opened = openCheckpoint(row.cosigned_note!, [args.logVerifier], { origin: args.origin });
    if (!opened.ok || opened.value.checkpoint.size !== Number(row.cosigned_size)) {
      report({
        kind: 'checkpoint_invalid',
        size: Number(row.cosigned_size),
        message: `the checkpoint the witness at ${row.url} cosigned (size ${row.cosigned_size}) does not verify with the ledger's key: it was changed in the database`,
      });
      continue;
    }
    const cp = opened.value.checkpoint;
    witnessed.push({ size: cp.size, root: cp.rootHash, witness: row.url });
  }
  witnessed.sort((a, b) => a.size - b.size);
  let nextWitnessed = 0;
  const compareWitnessed = (frontier: Frontier) => {
    while (nextWitnessed < witnessed.length && witnessed[nextWitnessed]!.size <= frontier.size) {
      const w = witnessed[nextWitnessed++]!;
      if (w.size < frontier.size) continue;
      if (!bytesEqual(w.size === 0 ? EMPTY_ROOT : frontier.root(), w.root)) {
        report({
          kind: 'witnessed_root_mismatch',
          size: w.size,
          message: `the stored entries do not produce the root the witness at ${w.witness} cosigned at size ${w.size}: the log was rewritten`,
        });
      }
    }
  };
  let nextCheckpoint = 0;
  let checkpointsMatched = 0;
  const compareCheckpoints = (frontier: Frontier) => {
    while (nextCheckpoint < signedRoots.length && signedRoots[nextCheckpoint]!.size <= frontier.size) {
      const cp = signedRoots[nextCheckpoint++]!;
      if (cp.size < frontier.size) continue; // passed while the tree could not be computed
      if (bytesEqual(cp.size === 0 ? EMPTY_ROOT : frontier.root(), cp.root)) {
        checkpointsMatched++;
      } else {
        report({
          kind: 'checkpoint_root_mismatch',
          size: cp.size,
          message: `the stored entries do not produce the root signed at size ${cp.size} on ${new Date(cp.createdAt).toISOString()}: entries below ${cp.size} were changed after it was signed`,
        });
      }
    }
  };

  const frontier = new Frontier();
  compareCheckpoints(frontier);
  compareWitnessed(frontier);
  let expected = 0;
  let treeBroken = false;
  let nodesCompared = 0;
  let expectedNodes = 0;

  for (;;) {
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['idx', 'release_id', 'subject_hash', 'leaf', 'leaf_hash'])
      .where('idx', '>=', expected)
      .orderBy('idx')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    const produced: { level: number; index: number; hash: Hash }[] = [];
    for (const row of rows) {
      const index = Number(row.idx);
      if (index !== expected) {
        report({
          kind: 'entry_missing',
          index: expected,
          message:
            index - expected === 1
              ? `entry ${expected} is missing (deleted)`
              : `entries ${expected}–${index - 1} are missing (deleted)`,
        });
        reportedLeaves.push(expected);
        treeBroken = true;
        expected = index;
      }
      const computed = leafHash(utf8Bytes(row.leaf));
      const stored = fromHex(row.leaf_hash, HASH_SIZE);
      if (!stored) {
        reportLeaf({
          kind: 'entry_malformed',
          index,
          message: `entry ${index} has no valid stored leaf hash`,
        });
      } else if (!bytesEqual(stored, computed)) {
        reportLeaf({
          kind: 'entry_changed',
          index,
          message: `entry ${index} was changed: its content no longer hashes to its stored leaf hash`,
        });
      }
      const columns = checkColumns(row);
      if (columns) reportLeaf({ kind: columns.kind, index, message: `entry ${index} ${columns.message}` });
      if (!treeBroken) {
        frontier.append(stored ?? computed, (level, idx, hash) => {
          produced.push({ level, index: idx, hash });
        });
        compareCheckpoints(frontier);
        compareWitnessed(frontier);
      }
      expected = index + 1;
    }
    if (produced.length > 0) {
      nodesCompared += produced.length;
      await compareNodes(args.storage, produced, (p) => {
        const first = p.index * 2 ** p.level;
        const last = first + 2 ** p.level - 1;
        if (reportedLeaves.some((i) => i >= first && i <= last)) return;
        reportedLeaves.push(first);
        report({
          kind: p.missing ? 'node_missing' : 'node_changed',
          index: first,
          message: `${p.missing ? 'the stored tree has no node' : 'the stored tree node differs'} at level ${p.level}, index ${p.index} (entries ${first}–${last}): an entry or node there was changed, inserted or removed`,
        });
      });
    }
    if (rows.length < PAGE) break;
  }
  const stored = expected; // one past the highest index seen

  if (!treeBroken) {
    for (let level = 1; 2 ** level <= frontier.size; level++)
      expectedNodes += Math.floor(frontier.size / 2 ** level);
    const count = await db
      .selectFrom('ledger_nodes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const extra = Number(count?.n ?? 0) - expectedNodes;
    if (extra > 0) {
      report({
        kind: 'node_unexpected',
        message: `${extra} stored tree node${extra === 1 ? '' : 's'} lie outside the tree of ${frontier.size} entries`,
      });
    }
  }
  if (recordedSize === undefined) {
    report({ kind: 'size_mismatch', message: 'ledger_state has no row 1: the recorded size is gone' });
  } else if (recordedSize !== stored) {
    report(
      recordedSize < stored
        ? {
            kind: 'entry_unexpected',
            index: recordedSize,
            message: `entries ${recordedSize}–${stored - 1} are stored beyond the recorded size ${recordedSize}: inserted outside the appender`,
          }
        : {
            kind: 'size_mismatch',
            index: stored,
            message:
              recordedSize - stored === 1
                ? `the recorded size is ${recordedSize} but only ${stored} entries are stored: entry ${stored} was removed`
                : `the recorded size is ${recordedSize} but only ${stored} entries are stored: entries ${stored}–${recordedSize - 1} were removed`,
          },
    );
  }
  for (const cp of signedRoots.slice(nextCheckpoint)) {
    if (cp.size > stored) {
      report({
        kind: 'checkpoint_beyond_tree',
        size: cp.size,
        message: `a checkpoint was signed at size ${cp.size} but only ${stored} entries are stored: the log was truncated`,
      });
    } else if (treeBroken) {
      report({
        kind: 'checkpoint_root_mismatch',
        size: cp.size,
        message: `the checkpoint at size ${cp.size} cannot be matched: entries below it are missing`,
      });
    }
  }
  for (const w of witnessed.slice(nextWitnessed)) {
    if (w.size > stored) {
      report({
        kind: 'tail_truncated',
        size: w.size,
        message: `the witness at ${w.witness} cosigned tree size ${w.size} but only ${stored} entries are stored: the log's tail was removed`,
      });
    } else if (treeBroken) {
      report({
        kind: 'witnessed_root_mismatch',
        size: w.size,
        message: `the checkpoint the witness at ${w.witness} cosigned at size ${w.size} cannot be matched: entries below it are missing`,
      });
    }
  }
  if (problems.length > 0) {
    // The most specific first: what happened to entries and nodes explains the checkpoints that fail.
    const rank = (p: IntegrityProblem) =>
      p.kind.startsWith('entry_') ? 0 : p.kind.startsWith('node_') ? 1 : 2;
    throw new LedgerIntegrityError([...problems].sort((a, b) => rank(a) - rank(b)));
  }
  return {
    size: stored,
    nodes: nodesCompared,
    checkpoints: checkpointsMatched,
    latestCheckpoint: signedRoots.at(-1)?.size,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The indexed columns must say what the entry says (they serve lookups; a rewrite would mislead them). */
function checkColumns(row: {
  release_id: string;
  subject_hash: string;
  leaf: string;
}): { kind: 'entry_malformed' | 'entry_changed'; message: string } | undefined {
  let json: { releaseId?: unknown; subject?: unknown };
  try {
    json = JSON.parse(row.leaf) as typeof json;
  } catch {
    return { kind: 'entry_malformed', message: 'is not JSON' };
  }
  if (json === null || typeof json !== 'object')
    return { kind: 'entry_malformed', message: 'is not a JSON object' };
  if (json.releaseId !== row.release_id) {
    return { kind: 'entry_changed', message: 'has a release_id column that differs from its content' };
  }
  if (json.subject !== row.subject_hash) {
    return { kind: 'entry_changed', message: 'has a subject_hash column that differs from its content' };
  }
  return undefined;
}

async function compareNodes(
  storage: Storage,
  produced: readonly { level: number; index: number; hash: Hash }[],
  mismatch: (p: { level: number; index: number; missing: boolean }) => void,
): Promise<void> {
  const ranges = new Map<number, [number, number]>();
  for (const p of produced) {
    const r = ranges.get(p.level);
    ranges.set(p.level, r ? [Math.min(r[0], p.index), Math.max(r[1], p.index)] : [p.index, p.index]);
  }
  const rows = await storage.db
    .selectFrom('ledger_nodes')
    .select(['level', 'idx', 'hash'])
    .where((eb) =>
      eb.or(
        [...ranges].map(([level, [lo, hi]]) =>
          eb.and([eb('level', '=', level), eb('idx', '>=', lo), eb('idx', '<=', hi)]),
        ),
      ),
    )
    .execute();
  const stored = new Map<string, string>();
  for (const r of rows) stored.set(`${r.level}/${r.idx}`, r.hash);
  for (const p of produced) {
    const hex = stored.get(`${p.level}/${p.index}`);
    if (hex === undefined) mismatch({ level: p.level, index: p.index, missing: true });
    else if (hex !== toHex(p.hash)) mismatch({ level: p.level, index: p.index, missing: false });
  }
}
