import { classifyDatabaseError, isDatabaseUnavailable, type Storage } from '../storage/index.ts';
import type { Ledger } from './ledger.ts';
import { clearProblems, flagProblem } from './problems.ts';

/**
 * Pushing our checkpoints to the witnesses (C2SP tlog-witness `add-checkpoint`), on a timer, so that
 * the only defence against a removed tail — an entry deleted together with its checkpoint — does not
 * depend on an operator remembering to run `ledger cosign`. For each configured witness (the other
 * hub's base URL) it keeps in `ledger_witness_peers` (migration 0014) the largest checkpoint that
 * witness cosigned, with the cosignature, and the integrity check compares the local tree with it
 * (`tail_truncated`, `witnessed_root_mismatch`).
 *
 * - A witness that answers 409 with a size larger than our tree holds a checkpoint we no longer
 *   have: the tail was removed. Logged at `error` (`ledger_tail_truncated`) and flagged for the
 *   operator; the next start-up refuses (the cosigned checkpoint stored beside the tree says so).
 * - A witness that is down is retried with exponential backoff (from `baseBackoffMs` doubling to
 *   `maxBackoffMs`); one `warn` line when an outage starts (`ledger_witness_unreachable`) and one
 *   `info` line when it ends (`ledger_witness_recovered`), never one per attempt.
 */
export interface WitnessPusherOptions {
  storage: Storage;
  ledger: Ledger;
  /** Base URLs of the witnessing hubs (their `/ledger/witness/add-checkpoint` is appended). */
  urls: readonly string[];
  log: {
    info(fields: Record<string, unknown>, message: string): void;
    warn(fields: Record<string, unknown>, message: string): void;
    error(fields: Record<string, unknown>, message: string): void;
  };
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

export interface WitnessStatus {
  readonly url: string;
  /** The largest tree size this witness cosigned for us (0: none yet). */
  readonly cosignedSize: number;
  /** The size the witness last said it holds (from a cosignature or a 409). */
  readonly claimedSize: number;
  readonly lastOkAt: Date | null;
  readonly failingSince: Date | null;
  readonly lastError: string | null;
}

export interface WitnessPusher {
  /** Push the latest checkpoint to every witness that is due (not backing off). Never throws. */
  tick(): Promise<void>;
  status(): Promise<WitnessStatus[]>;
}

type Outcome =
  | { kind: 'cosigned'; size: number }
  | { kind: 'current' }
  | { kind: 'truncated'; size: number; witnessSize: number }
  | { kind: 'inconsistent'; size: number; status: number; detail: string }
  | { kind: 'failed'; error: string };

interface PeerState {
  failures: number;
  nextAt: number;
  outageStarted: number | undefined;
  /** The checkpoint last cosigned by this witness in this process (nothing to do until it changes). */
  done: { size: number; rootHash: string } | undefined;
  truncationLogged: number | undefined;
}

export function witnessEndpoint(base: string): string {
  return `${base.replace(/\/+$/, '')}/ledger/witness/add-checkpoint`;
}

/** The tree size of the checkpoint in an add-checkpoint request body (after its first blank line). */
function requestSize(body: string): number {
  const note = body.slice(body.indexOf('\n\n') + 2);
  const line = note.split('\n')[1] ?? '';
  return /^\d{1,15}$/.test(line) ? Number(line) : Number.NaN;
}

/**
 * The witness's latest cosigned size from a 409: C2SP tlog-witness answers it as the body
 * (`text/x.tlog.size`, the size and a newline); a govbridge hub's problem+json says it in `detail`.
 */
export function conflictSize(body: string): number | undefined {
  const plain = /^(\d{1,15})\n?$/.exec(body);
  if (plain) return Number(plain[1]);
  try {
    const detail = (JSON.parse(body) as { detail?: unknown }).detail;
    const m = typeof detail === 'string' ? /latest cosigned size is (\d{1,15})/.exec(detail) : null;
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Keep the largest checkpoint a witness cosigned (with its cosignature), and the size it holds. */
export async function recordCosigned(
  storage: Storage,
  url: string,
  size: number,
  note: string,
  now = Date.now(),
): Promise<void> {
  const values = {
    url,
    cosigned_size: size,
    cosigned_note: note,
    claimed_size: size,
    last_ok_at: now,
    failing_since: null,
    last_error: null,
  };
  await storage.db
    .insertInto('ledger_witness_peers')
    .values(values)
    .onConflict((oc) =>
      oc.column('url').doUpdateSet({
        cosigned_size: (eb) =>
          eb
            .case()
            .when('ledger_witness_peers.cosigned_size', '>', size)
            .then(eb.ref('ledger_witness_peers.cosigned_size'))
            .else(size)
            .end(),
        cosigned_note: (eb) =>
          eb
            .case()
            .when('ledger_witness_peers.cosigned_size', '>', size)
            .then(eb.ref('ledger_witness_peers.cosigned_note'))
            .else(note)
            .end(),
        claimed_size: size,
        last_ok_at: now,
        failing_since: null,
        last_error: null,
      }),
    )
    .execute();
}

async function peerRow(storage: Storage, url: string) {
  return storage.db.selectFrom('ledger_witness_peers').selectAll().where('url', '=', url).executeTakeFirst();
}

async function upsertPeer(
  storage: Storage,
  url: string,
  set: { claimed_size?: number; failing_since?: number | null; last_error?: string | null },
): Promise<void> {
  await storage.db
    .insertInto('ledger_witness_peers')
    .values({
      url,
      cosigned_size: 0,
      cosigned_note: null,
      claimed_size: set.claimed_size ?? 0,
      last_ok_at: null,
      failing_since: set.failing_since ?? null,
      last_error: set.last_error ?? null,
    })
    .onConflict((oc) => oc.column('url').doUpdateSet(set))
    .execute();
}

export function createWitnessPusher(o: WitnessPusherOptions): WitnessPusher {
  const now = o.now ?? Date.now;
  const base = o.baseBackoffMs ?? 5_000;
  const max = o.maxBackoffMs ?? 15 * 60_000;
  const timeout = o.timeoutMs ?? 15_000;
  const peers = new Map<string, PeerState>(
    o.urls.map((u) => [
      u,
      { failures: 0, nextAt: 0, outageStarted: undefined, done: undefined, truncationLogged: undefined },
    ]),
  );
  let running: Promise<void> | undefined;

  async function post(url: string, body: string): Promise<{ status: number; text: string }> {
    const res = await fetch(witnessEndpoint(url), {
      method: 'POST',
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        accept: 'text/x.tlog.size, application/problem+json;q=0.9, text/plain;q=0.8',
      },
      body,
      signal: AbortSignal.timeout(timeout),
      redirect: 'error',
    });
    return { status: res.status, text: await res.text() };
  }

  async function pushOne(url: string, state: PeerState): Promise<Outcome> {
    // The peer row before the checkpoint: another process of ours may push a newer checkpoint
    // meanwhile, and the size the witness holds must never look larger than ours because of it.
    const row = await peerRow(o.storage, url);
    const latest = await o.ledger.latestCheckpoint();
    if (!latest) return { kind: 'current' };
    if (state.done && latest.size === state.done.size && latest.rootHash === state.done.rootHash) {
      return { kind: 'current' };
    }
    // This process saw the witness cosign a larger tree than the latest checkpoint now stored.
    if (state.done && latest.size < state.done.size) {
      return { kind: 'truncated', size: latest.size, witnessSize: state.done.size };
    }
    let oldSize = row ? Number(row.claimed_size) : 0;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (oldSize > latest.size) return { kind: 'truncated', size: latest.size, witnessSize: oldSize };
      const body = await o.ledger.witnessRequest(oldSize);
      const size = requestSize(body);
      let res: { status: number; text: string };
      try {
        res = await post(url, body);
      } catch (e) {
        return { kind: 'failed', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      }
      if (res.status === 409) {
        const witnessSize = conflictSize(res.text);
        if (witnessSize === undefined) return { kind: 'failed', error: 'HTTP 409 without the size it holds' };
        await upsertPeer(o.storage, url, { claimed_size: witnessSize });
        if (witnessSize > size) {
          // Another process of ours may have pushed a newer checkpoint after we read ours.
          const fresh = await o.ledger.latestCheckpoint();
          if (!fresh || fresh.size < witnessSize) return { kind: 'truncated', size, witnessSize };
          return { kind: 'current' };
        }
        if (witnessSize === size) {
          // It already cosigned this size (another process of ours pushed it): nothing to add.
          state.done = { size, rootHash: latest.rootHash };
          return { kind: 'current' };
        }
        oldSize = witnessSize;
        continue;
      }
      if (res.status === 422) {
        return { kind: 'inconsistent', size, status: res.status, detail: res.text.slice(0, 200) };
      }
      if (res.status !== 200) return { kind: 'failed', error: `HTTP ${res.status}` };
      const stored = await o.ledger.addCosignatures(size, res.text);
      if (stored.stored === 0) {
        return { kind: 'failed', error: 'its cosignature key is not among GOVBRIDGE_LEDGER_WITNESS_KEYS' };
      }
      const cp = await o.ledger.checkpointAt(size);
      if (cp) await recordCosigned(o.storage, url, size, cp.note, now());
      if (cp) state.done = { size, rootHash: cp.rootHash };
      return { kind: 'cosigned', size };
    }
    return { kind: 'failed', error: 'the witness changed its size twice in a row' };
  }

  async function handle(url: string, state: PeerState, outcome: Outcome): Promise<void> {
    const t = now();
    if (outcome.kind === 'failed') {
      state.failures++;
      state.nextAt = t + Math.min(max, base * 2 ** (state.failures - 1));
      if (state.outageStarted === undefined) {
        state.outageStarted = t;
        o.log.warn(
          { event: 'ledger_witness_unreachable', witness: url, error: outcome.error },
          'a ledger witness cannot be reached; retrying with backoff (logged once per outage)',
        );
      }
      await upsertPeer(o.storage, url, { failing_since: state.outageStarted, last_error: outcome.error });
      return;
    }
    if (state.outageStarted !== undefined) {
      o.log.info(
        {
          event: 'ledger_witness_recovered',
          witness: url,
          outageMs: t - state.outageStarted,
          attempts: state.failures,
        },
        'a ledger witness can be reached again',
      );
    }
    state.failures = 0;
    state.nextAt = 0;
    state.outageStarted = undefined;
    if (outcome.kind === 'truncated') {
      // Try again later (an operator may restore the tail), without repeating the log line.
      state.nextAt = t + max;
      if (state.truncationLogged !== outcome.witnessSize) {
        state.truncationLogged = outcome.witnessSize;
        o.log.error(
          {
            event: 'ledger_tail_truncated',
            witness: url,
            witnessSize: outcome.witnessSize,
            localSize: outcome.size,
          },
          'a witness has cosigned a larger tree than this ledger holds: the log’s tail was removed',
        );
      }
      await flagProblem(o.storage, {
        kind: 'tail_truncated',
        ref: url,
        message: `the witness at ${url} has cosigned tree size ${outcome.witnessSize}, but this ledger's latest checkpoint is at size ${outcome.size}: the log's tail was removed`,
      });
      return;
    }
    if (outcome.kind === 'inconsistent') {
      state.nextAt = t + max;
      o.log.error(
        { event: 'ledger_witness_inconsistent', witness: url, size: outcome.size, status: outcome.status },
        'a witness refused this ledger’s checkpoint as inconsistent with the one it cosigned: the log was rewritten',
      );
      await flagProblem(o.storage, {
        kind: 'witness_inconsistent',
        ref: url,
        message: `the witness at ${url} refused the checkpoint at size ${outcome.size} as inconsistent with the one it cosigned (HTTP ${outcome.status}): the log was rewritten`,
      });
      return;
    }
    await clearProblems(o.storage, ['tail_truncated', 'witness_inconsistent'], [url]);
    if (outcome.kind === 'cosigned') {
      await upsertPeer(o.storage, url, { failing_since: null, last_error: null });
    }
  }

  async function tickOnce(): Promise<void> {
    const t = now();
    await Promise.all(
      [...peers].map(async ([url, state]) => {
        if (state.nextAt > t) return;
        let outcome: Outcome;
        try {
          outcome = await pushOne(url, state);
        } catch (e) {
          // Our database is away, not the witness: try again next tick, say nothing (the
          // checkpoint timer and the requests report the outage once).
          if (isDatabaseUnavailable(e) || classifyDatabaseError(e)) return;
          outcome = { kind: 'failed', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
        }
        try {
          await handle(url, state, outcome);
        } catch {
          // The database is away: the next tick tries again.
        }
      }),
    );
  }

  return {
    tick() {
      running ??= tickOnce().finally(() => {
        running = undefined;
      });
      return running;
    },
    async status() {
      const rows = await o.storage.db.selectFrom('ledger_witness_peers').selectAll().orderBy('url').execute();
      const byUrl = new Map(rows.map((r) => [r.url, r]));
      return o.urls.map((url) => {
        const r = byUrl.get(url);
        return {
          url,
          cosignedSize: r ? Number(r.cosigned_size) : 0,
          claimedSize: r ? Number(r.claimed_size) : 0,
          lastOkAt: r?.last_ok_at == null ? null : new Date(Number(r.last_ok_at)),
          failingSince: r?.failing_since == null ? null : new Date(Number(r.failing_since)),
          lastError: r?.last_error ?? null,
        };
      });
    },
  };
}
