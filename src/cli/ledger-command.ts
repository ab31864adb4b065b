import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AppContext } from '../app/index.ts';
import { GovbridgeError } from '../kernel/index.ts';
import {
  type LedgerEntry,
  LedgerIntegrityError,
  listProblems,
  type Receipt,
  recordCosigned,
  type VerificationError,
  verifyConsistency,
  verifyReceipt,
} from '../ledger/index.ts';

export const LEDGER_USAGE = `  ledger verify-receipt FILE --key VERIFIER_KEY [--witness-key KEY ...] [--log HUB_URL]
                                       Check a receipt from "Who has received your information", offline:
                                       the entry, its inclusion proof and the checkpoint signed with the
                                       log's verifier key (and cosigned by each --witness-key). --log: also
                                       fetch the hub's latest checkpoint and a consistency proof, and check
                                       that the log has only grown since the receipt (no database needed)
  ledger verify                        Recompute the whole ledger from its entries and check every stored
                                       node and signed checkpoint, and compare it with the largest checkpoint
                                       each witness cosigned (a smaller tree: its tail was removed); list the
                                       rows start-up could not repair and what witnesses reported; exit 1
                                       naming the first problem
  ledger checkpoint                    Sign a checkpoint of the current tree size and print it (C2SP note)
  ledger verifier-key [--witness]      The ledger's verifier key, to publish (--witness: this hub's
                                       cosigner key, for the hubs it witnesses)
  ledger forget ACCOUNT_ID             Delete a citizen's salt: their entries stay, but can no longer be
                                       linked to them (on account deletion)
  ledger cosign --witness HUB_URL      Send our latest checkpoint to another hub's witness
                                       (C2SP tlog-witness add-checkpoint) and store its cosignature
`;

class LedgerUsage extends Error {}

type Out = (s: string) => void;

const FETCH_TIMEOUT_MS = 15_000;

/**
 * `ledger …`: the transparency ledger for operators and citizens. `verify-receipt` is the citizen's
 * offline check and needs no configuration or database; the others open the hub's context (through
 * `open`) on the configured database. Usage mistakes exit 2 with the usage; a failed check prints
 * one line saying what is wrong and exits 1, as does a GovbridgeError (main prints it).
 */
export async function ledgerCommand(
  sub: string | undefined,
  rest: string[],
  open: () => Promise<AppContext>,
  out: Out = (s) => process.stdout.write(s),
  err: Out = (s) => process.stderr.write(s),
): Promise<number> {
  try {
    if (sub === 'verify-receipt') return await verifyReceiptCommand(rest, out, err);
    const known = ['verify', 'checkpoint', 'verifier-key', 'forget', 'cosign'];
    if (!sub || !known.includes(sub)) {
      throw new LedgerUsage(
        sub
          ? `Unknown command: ledger ${sub}`
          : `ledger needs a command: verify-receipt, ${known.join(', ')}`,
      );
    }
    const { values, positionals } = args(rest, {
      witness: { type: sub === 'cosign' ? 'string' : 'boolean' },
    });
    const ctx = await open();
    try {
      switch (sub) {
        case 'verify':
          return await verifyCommand(ctx, out, err);
        case 'checkpoint': {
          const cp = await ctx.ledger.checkpoint();
          out(cp.note);
          return 0;
        }
        case 'verifier-key':
          if (values['witness'] === true) {
            if (!ctx.witness) {
              throw new GovbridgeError(
                'config_invalid',
                'This hub witnesses no ledgers: set GOVBRIDGE_LEDGER_WITNESSED_LOGS',
              );
            }
            out(`${ctx.witness.verifierKey}\n`);
          } else {
            out(`${ctx.ledger.verifierKey}\n`);
          }
          return 0;
        case 'forget':
          return await forgetCommand(ctx, positionals, out);
        default:
          return await cosignCommand(ctx, values['witness'], out, err);
      }
    } finally {
      await ctx.close();
    }
  } catch (e) {
    if (e instanceof LedgerUsage) {
      err(`${e.message}\n\nUsage: npm run cli -- ledger …\n${LEDGER_USAGE}`);
      return 2;
    }
    throw e;
  }
}

function args(
  rest: string[],
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>,
): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: rest, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new LedgerUsage(e instanceof Error ? e.message : String(e));
  }
}

// ---------------------------------------------------------------------------------------------
// verify-receipt

/** What a failed offline check means, in words. */
function receiptProblem(e: VerificationError, size: number | undefined): string {
  switch (e.reason) {
    case 'malformed':
      return `this is not a govbridge ledger receipt (${e.message})`;
    case 'invalid_key':
      return `the key given is not a ledger verifier key (${e.message})`;
    case 'bad_checkpoint':
      return `the receipt's checkpoint is not signed with this key, or it was changed (${e.message})`;
    case 'bad_entry':
      return `the receipt's entry is not a valid ledger entry (${e.message})`;
    case 'leaf_hash_mismatch':
      return "the receipt's entry was changed: it no longer hashes to the receipt's leaf hash";
    case 'not_included':
      return `the inclusion proof does not lead to the root signed for tree size ${size ?? '?'}: the entry, its index or the proof was changed, or the proof is for another tree size (${e.message})`;
    case 'too_few_cosignatures':
      return `the receipt's checkpoint lacks the witness cosignatures asked for (${e.message})`;
    default:
      return e.message;
  }
}

/** The tree size a checkpoint note claims, read without trusting it (for messages only). */
function claimedSize(note: unknown): number | undefined {
  if (typeof note !== 'string') return undefined;
  const line = note.split('\n')[1];
  return line && /^\d{1,15}$/.test(line) ? Number(line) : undefined;
}

function describeEntry(index: number, size: number, entry: LedgerEntry): string {
  const withheld = entry.withheld.map((w) => `${w.attribute} (policy ${w.policy})`).join(', ');
  return [
    `  entry:       ${index}`,
    `  tree size:   ${size}`,
    `  recipient:   ${entry.recipient.kind} ${entry.recipient.id} (${entry.recipient.country})`,
    `  released:    ${entry.released.join(', ') || 'nothing'}`,
    ...(withheld ? [`  withheld:    ${withheld}`] : []),
    `  time:        ${entry.time}`,
    ...(entry.consentId ? [`  consent:     ${entry.consentId}`] : []),
  ]
    .map((l) => `${l}\n`)
    .join('');
}

async function verifyReceiptCommand(rest: string[], out: Out, err: Out): Promise<number> {
  const { values, positionals } = args(rest, {
    key: { type: 'string' },
    'witness-key': { type: 'string', multiple: true },
    log: { type: 'string' },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new LedgerUsage('ledger verify-receipt needs one receipt FILE');
  const key = values['key'];
  if (typeof key !== 'string' || key.trim() === '') {
    throw new LedgerUsage('--key VERIFIER_KEY is required: the hub publishes it at /ledger/verifier-key');
  }
  const logUrl = typeof values['log'] === 'string' ? hubBase(values['log']) : undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new LedgerUsage(`${file} is not a readable file`);
  }
  const fail = (why: string) => {
    err(`Receipt ${file} does NOT verify: ${why}\n`);
    return 1;
  };
  let receipt: Receipt;
  try {
    receipt = JSON.parse(text) as Receipt;
  } catch {
    return fail('it is not JSON');
  }
  const witnesses = (values['witness-key'] as string[] | undefined) ?? [];
  const verified = verifyReceipt(receipt, key.trim(), { witnesses, quorum: witnesses.length });
  if (!verified.ok) return fail(receiptProblem(verified.error, claimedSize(receipt?.checkpoint)));
  const { entry, index, checkpoint, cosignatures } = verified.value;
  out(
    `Receipt OK: entry ${index} is in the log ${checkpoint.origin} as signed at tree size ${checkpoint.size}\n` +
      describeEntry(index, checkpoint.size, entry) +
      cosignatures
        .map((c) => `  cosigned by: ${c.name} at ${new Date(c.timestamp * 1000).toISOString()}\n`)
        .join(''),
  );
  if (!logUrl) return 0;

  // The log now: its latest checkpoint, opened with the same key, and a proof that it extends the
  // receipt's. A log that was truncated or rewritten since cannot produce one.
  const latest = await fetchText(`${logUrl}/ledger/checkpoint`, "the hub's latest checkpoint");
  const latestSize = claimedSize(latest);
  const logFail = (why: string) => {
    err(`The log at ${logUrl} is NOT consistent with receipt ${file}: ${why}\n`);
    return 1;
  };
  if (latestSize === undefined) return logFail('what it sent as its latest checkpoint is not a checkpoint');
  if (latestSize < checkpoint.size) {
    return logFail(
      `its latest checkpoint has ${count(latestSize, 'entry', 'entries')}, fewer than the ${checkpoint.size} your receipt was signed for: the log was truncated or rewritten`,
    );
  }
  const proofJson = await fetchText(
    `${logUrl}/ledger/consistency?from=${checkpoint.size}&to=${latestSize}`,
    'a consistency proof',
  );
  let hashes: unknown;
  try {
    hashes = (JSON.parse(proofJson) as { hashes?: unknown }).hashes;
  } catch {
    return logFail('the consistency proof it sent is not JSON');
  }
  const consistent = verifyConsistency(
    receipt.checkpoint,
    latest,
    Array.isArray(hashes) ? (hashes as string[]) : [],
    key.trim(),
  );
  if (!consistent.ok) {
    const e = consistent.error;
    if (e.reason === 'bad_checkpoint') {
      return logFail(`its latest checkpoint is not signed with this key (${e.message})`);
    }
    if (e.reason === 'not_consistent') {
      return logFail(
        `its latest checkpoint (tree size ${latestSize}) does not extend your receipt's (tree size ${checkpoint.size}): the log was rewritten (${e.message})`,
      );
    }
    return logFail(e.message);
  }
  out(
    `Log OK: the log has only grown since: its latest checkpoint (tree size ${consistent.value.new.size}) is consistent with your receipt's (tree size ${checkpoint.size})\n`,
  );
  return 0;
}

function hubBase(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LedgerUsage(`${url} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new LedgerUsage(`${url} is not an http(s) URL`);
  return u.toString().replace(/\/+$/, '');
}

async function fetchText(url: string, what: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
  } catch (e) {
    throw new GovbridgeError(
      'upstream_unavailable',
      `Could not fetch ${what} from ${url}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const body = await res.text();
  if (!res.ok) {
    throw new GovbridgeError(
      'upstream_invalid_response',
      `Could not fetch ${what} from ${url}: HTTP ${res.status}${problemDetail(body)}`,
    );
  }
  return body;
}

/** `: <detail>` of an RFC 9457 problem body, or ''. */
function problemDetail(body: string): string {
  try {
    const detail = (JSON.parse(body) as { detail?: unknown }).detail;
    return typeof detail === 'string' ? `: ${detail}` : '';
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// verify, forget

async function verifyCommand(ctx: AppContext, out: Out, err: Out): Promise<number> {
  let failed = false;
  try {
    const r = await ctx.ledger.verifyIntegrity();
    out(
      `Ledger ${ctx.ledger.origin}: ok — ${count(r.size, 'entry', 'entries')}, ${count(r.nodes, 'tree node')} and ${count(r.checkpoints, 'signed checkpoint')}${
        r.latestCheckpoint === undefined ? '' : ` (latest at tree size ${r.latestCheckpoint})`
      } checked in ${Math.round(r.durationMs)} ms\n`,
    );
  } catch (e) {
    if (!(e instanceof LedgerIntegrityError)) throw e;
    err(`${e.message}\n`);
    failed = true;
  }
  // What each witness cosigned (the integrity check above compared the tree with it).
  const peers = await ctx.storage.db.selectFrom('ledger_witness_peers').selectAll().orderBy('url').execute();
  for (const p of peers) {
    const state =
      p.failing_since === null
        ? ''
        : `; unreachable since ${new Date(Number(p.failing_since)).toISOString()} (${p.last_error ?? 'no answer'})`;
    out(
      `Witness ${p.url}: cosigned tree size ${p.cosigned_size}${Number(p.claimed_size) !== Number(p.cosigned_size) ? `, holds size ${p.claimed_size}` : ''}${state}\n`,
    );
  }
  // Rows start-up could not repair, and what witnesses reported: the hub serves, the operator acts.
  const problems = await listProblems(ctx.storage);
  for (const p of problems) {
    err(`Problem ${p.kind} (${p.ref}), since ${p.firstSeenAt.toISOString()}: ${p.message}\n`);
  }
  return failed || problems.length > 0 ? 1 : 0;
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

async function forgetCommand(ctx: AppContext, positionals: string[], out: Out): Promise<number> {
  const accountId = positionals[0];
  if (!accountId || positionals.length > 1) throw new LedgerUsage('ledger forget needs one ACCOUNT_ID');
  const entries = (await ctx.ledger.entriesForAccount(accountId)).length;
  if (!(await ctx.ledger.forgetSubject(accountId))) {
    out(`Account ${accountId} has no ledger salt: nothing links any entry to it\n`);
    return 0;
  }
  out(
    `Forgot account ${accountId}: its ${entries} ledger entr${entries === 1 ? 'y stays' : 'ies stay'} in the log but can no longer be linked to it\n`,
  );
  return 0;
}

// ---------------------------------------------------------------------------------------------
// cosign

/** The tree size of the checkpoint in an add-checkpoint request body (after its first blank line). */
function requestSize(body: string): number {
  const note = body.slice(body.indexOf('\n\n') + 2);
  const size = claimedSize(note);
  if (size === undefined) throw new Error('add-checkpoint request without a checkpoint');
  return size;
}

/**
 * The witness's latest cosigned size from a 409: C2SP tlog-witness answers it as the body
 * (`text/x.tlog.size`, the size and a newline); the hub's problem+json carries it in `detail`.
 */
function conflictSize(body: string): number | undefined {
  const plain = /^(\d{1,15})\n?$/.exec(body);
  if (plain) return Number(plain[1]);
  const detail = problemDetail(body);
  const m = /latest cosigned size is (\d{1,15})/.exec(detail);
  return m ? Number(m[1]) : undefined;
}

async function cosignCommand(ctx: AppContext, witness: unknown, out: Out, err: Out): Promise<number> {
  if (typeof witness !== 'string' || witness === '') {
    throw new LedgerUsage('ledger cosign needs --witness HUB_URL (the other hub)');
  }
  const url = `${hubBase(witness)}/ledger/witness/add-checkpoint`;
  // Sign the current tree first, so the witness sees every entry appended so far.
  await ctx.ledger.checkpoint();
  let oldSize = 0;
  for (let attempt = 0; ; attempt++) {
    const body = await ctx.ledger.witnessRequest(oldSize);
    const size = requestSize(body);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          accept: 'text/x.tlog.size, application/problem+json;q=0.9, text/plain;q=0.8',
        },
        body,
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch (e) {
      throw new GovbridgeError(
        'upstream_unavailable',
        `Could not reach the witness at ${url}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const text = await res.text();
    if (res.status === 409 && attempt === 0) {
      // The witness has cosigned another size than the one we assumed: start from its size.
      const latest = conflictSize(text);
      if (latest === undefined) {
        err(`The witness at ${url} answered 409 without saying which size it last cosigned\n`);
        return 1;
      }
      if (latest > size) {
        err(
          `The witness at ${url} has cosigned tree size ${latest} of this log, but it has only ${size} entries: the log was truncated or rewritten\n`,
        );
        return 1;
      }
      oldSize = latest;
      continue;
    }
    if (!res.ok) {
      const hint =
        res.status === 404
          ? ` (it does not witness this log: on that hub, GOVBRIDGE_LEDGER_WITNESSED_LOGS must list ${ctx.ledger.verifierKey})`
          : '';
      err(
        `The witness at ${url} refused checkpoint ${size}: HTTP ${res.status}${problemDetail(text)}${hint}\n`,
      );
      return 1;
    }
    const lines = text.split('\n').filter((l) => l.length > 0);
    const stored = await ctx.ledger.addCosignatures(size, text);
    const names = lines.map((l) => /^— (\S+) /.exec(l)?.[1] ?? '?').join(', ');
    if (stored.stored === 0) {
      err(
        `The witness's cosignature (${names || 'none'}) was not stored: its key is not among GOVBRIDGE_LEDGER_WITNESS_KEYS\n`,
      );
      return 1;
    }
    const cosigned = await ctx.ledger.checkpointAt(size);
    if (cosigned) await recordCosigned(ctx.storage, hubBase(witness), size, cosigned.note);
    out(
      `Cosigned by ${names} at tree size ${size}${oldSize > 0 ? ` (from size ${oldSize})` : ''}: stored ${stored.stored} cosignature${stored.stored === 1 ? '' : 's'}${stored.ignored > 0 ? `, ignored ${stored.ignored} from unknown keys` : ''}\n`,
    );
    return 0;
  }
}
