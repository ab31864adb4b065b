import type { JsonWebKey, KeyObject } from 'node:crypto';
import { type Clock, GovbridgeError, systemClock } from '../kernel/index.ts';
import type { Storage } from '../storage/index.ts';
import { openCheckpoint } from './checkpoint.ts';
import { type Cosigner, ed25519Cosigner } from './cosignature.ts';
import { bytesEqual, decodeBase64, fromHex, toHex } from './encoding.ts';
import { EMPTY_ROOT, HASH_SIZE, type Hash, verifyConsistencyProof } from './merkle.ts';
import { ed25519NoteVerifier, type NoteVerifier, signNote } from './note.ts';
import { durableTransaction } from './store.ts';

/**
 * A witness for other logs — how the other country's hub cosigns our checkpoints, and how we cosign
 * theirs. It implements the checks of C2SP tlog-witness `add-checkpoint`
 * (https://c2sp.org/tlog-witness): it keeps, per origin, the latest checkpoint it cosigned, and
 * cosigns a new one only when it is signed by the log's key and provably consistent with that one.
 * Compare and replace are atomic (a conditional update), so concurrent requests cannot roll a log
 * back. The HTTP route is the web layer's: `addCheckpoint` takes the request body and returns the
 * response body, or throws a {@link WitnessError} carrying the status the specification requires.
 */

export type WitnessFailure =
  /** 400: ill-formed request body or checkpoint, or old size above the checkpoint's size. */
  | 'bad_request'
  /** 403: no valid signature from a key trusted for the origin, or an invalid one. */
  | 'forbidden'
  /** 404: a log this witness does not know. */
  | 'unknown_log'
  /** 409: the old size is not the size last cosigned; `latestSize` says which is. */
  | 'conflict'
  /** 422: the consistency proof does not verify, or a size-0 checkpoint with another root. */
  | 'unprocessable';

const STATUS: Record<WitnessFailure, number> = {
  bad_request: 400,
  forbidden: 403,
  unknown_log: 404,
  conflict: 409,
  unprocessable: 422,
};

export class WitnessError extends GovbridgeError {
  readonly reason: WitnessFailure;
  /** For `conflict`: the size of the latest cosigned checkpoint (the 409 body is `${latestSize}\n`, text/x.tlog.size). */
  readonly latestSize: number | undefined;
  constructor(reason: WitnessFailure, message: string, latestSize?: number) {
    const code =
      reason === 'unknown_log'
        ? 'not_found'
        : reason === 'conflict'
          ? 'conflict'
          : reason === 'forbidden'
            ? 'forbidden'
            : 'bad_request';
    super(code, message, { status: STATUS[reason], expose: true });
    this.name = 'WitnessError';
    this.reason = reason;
    this.latestSize = latestSize;
  }
}

export interface WitnessOptions {
  readonly storage: Storage;
  /** This witness's name (a schema-less URL) and Ed25519 private key. */
  readonly name: string;
  readonly privateKey: KeyObject | JsonWebKey;
  /** The logs it witnesses: origin and the log's verifier keys (type 0x01). */
  readonly logs: readonly { readonly origin: string; readonly verifierKeys: readonly string[] }[];
  readonly clock?: Clock;
}

export interface Witness {
  /** The cosigner verifier key (type 0x04) to give to those who check our cosignatures. */
  readonly verifierKey: string;
  readonly cosigner: Cosigner;
  /** Handle an add-checkpoint request body; returns the response body (cosignature lines). */
  addCheckpoint(body: string): Promise<string>;
  /** The latest checkpoint cosigned for an origin. */
  latest(origin: string): Promise<{ size: number; note: string } | undefined>;
}

const MAX_PROOF_LINES = 63;

interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Hash[];
  readonly checkpoint: string;
}

/** Parse an add-checkpoint body: `old N`, up to 63 base64 proof lines, a blank line, the checkpoint note. */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const bad = (m: string) => new WitnessError('bad_request', m);
  if (typeof body !== 'string') throw bad('body must be text');
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw bad('missing the blank line before the checkpoint');
  const head = body.slice(0, blank).split('\n');
  const checkpoint = body.slice(blank + 2);
  const old = /^old (0|[1-9][0-9]*)$/.exec(head[0] ?? '');
  if (!old) throw bad('first line must be "old <size>"');
  const oldSize = Number(old[1]);
  if (!Number.isSafeInteger(oldSize)) throw bad('old size too large');
  const proofLines = head.slice(1);
  if (proofLines.length > MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  const proof = proofLines.map((l) => {
    const h = decodeBase64(l);
    if (!h || h.length !== HASH_SIZE) throw bad('each proof line must be the base64 of a 32-byte hash');
    return h;
  });
  return { oldSize, proof, checkpoint };
}

export function createWitness(options: WitnessOptions): Witness {
  const { storage } = options;
  const clock = options.clock ?? systemClock;
  const cosigner = ed25519Cosigner(options.name, options.privateKey, clock);
  const logs = new Map<string, NoteVerifier[]>();
  for (const log of options.logs) {
    logs.set(
      log.origin,
      log.verifierKeys.map((k) => {
        const v = ed25519NoteVerifier(k);
        if (!v.ok) throw new TypeError(`log key for ${log.origin}: ${v.error.message}`);
        return v.value;
      }),
    );
  }

  async function readState(origin: string) {
    return storage.db
      .selectFrom('ledger_witness_state')
      .selectAll()
      .where('origin', '=', origin)
      .executeTakeFirst();
  }

  return {
    verifierKey: cosigner.verifierKey,
    cosigner,
    async latest(origin) {
      const row = await readState(origin);
      return row ? { size: Number(row.size), note: row.note } : undefined;
    },
    async addCheckpoint(body) {
      const req = parseAddCheckpoint(body);
      const origin = req.checkpoint.slice(0, Math.max(0, req.checkpoint.indexOf('\n')));
      const keys = logs.get(origin);
      if (!keys) throw new WitnessError('unknown_log', 'unknown log origin');
      const opened = openCheckpoint(req.checkpoint, keys, { origin });
      if (!opened.ok) {
        const forbidden = ['invalid_signature', 'no_known_signature', 'ambiguous_key'].includes(
          opened.error.reason,
        );
        throw new WitnessError(forbidden ? 'forbidden' : 'bad_request', opened.error.message);
      }
      const cp = opened.value.checkpoint;
      if (req.oldSize > cp.size)
        throw new WitnessError('bad_request', 'old size is above the checkpoint size');
      if (cp.size === 0 && !bytesEqual(cp.rootHash, EMPTY_ROOT)) {
        throw new WitnessError('unprocessable', 'a checkpoint of size 0 must have the empty tree root');
      }
      const text = opened.value.note.text;
      const now = clock.now().getTime();
      await durableTransaction(storage, async (tx) => {
        const row = await tx
          .selectFrom('ledger_witness_state')
          .selectAll()
          .where('origin', '=', origin)
          .executeTakeFirst();
        const latestSize = row ? Number(row.size) : 0;
        if (req.oldSize !== latestSize) {
          throw new WitnessError('conflict', `the latest cosigned size is ${latestSize}`, latestSize);
        }
        if (req.oldSize === 0) {
          if (req.proof.length > 0) throw new WitnessError('unprocessable', 'no proof is needed from size 0');
        } else {
          const oldRoot = fromHex(row!.root_hash, HASH_SIZE)!;
          const r = verifyConsistencyProof(req.oldSize, cp.size, req.proof, oldRoot, cp.rootHash);
          if (!r.ok)
            throw new WitnessError(
              'unprocessable',
              `not consistent with size ${req.oldSize}: ${r.error.message}`,
            );
        }
        const values = {
          size: cp.size,
          root_hash: toHex(cp.rootHash),
          note: req.checkpoint,
          updated_at: now,
        };
        // Compare-and-replace: only from the state just checked, so a concurrent request that moved it
        // on makes this one a conflict instead of rolling the log back.
        const changed = row
          ? await tx
              .updateTable('ledger_witness_state')
              .set(values)
              .where('origin', '=', origin)
              .where('size', '=', latestSize)
              .where('root_hash', '=', row.root_hash)
              .executeTakeFirst()
              .then((r) => Number(r.numUpdatedRows))
          : await tx
              .insertInto('ledger_witness_state')
              .values({ origin, ...values })
              .onConflict((oc) => oc.column('origin').doNothing())
              .executeTakeFirst()
              .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0n));
        if (changed !== 1) {
          const now2 = await tx
            .selectFrom('ledger_witness_state')
            .select('size')
            .where('origin', '=', origin)
            .executeTakeFirst();
          const size = now2 ? Number(now2.size) : 0;
          throw new WitnessError('conflict', `the latest cosigned size is ${size}`, size);
        }
      });
      const signed = signNote(text, [cosigner]);
      return signed.slice(text.length + 1);
    },
  };
}
