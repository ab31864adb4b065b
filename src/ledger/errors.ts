import { type ErrorCode, GovbridgeError } from '../kernel/index.ts';

/**
 * Why a ledger operation failed: a stable machine reason, narrower than the kernel's error code (as
 * jose's ERR_* codes are), so callers can `switch (e.reason)`.
 */
export type LedgerErrorReason =
  /** The record to append is not a valid entry (bad id, attribute name, country…). */
  | 'invalid_entry'
  /** An index or tree size outside the tree, or sizes in the wrong order. */
  | 'out_of_range'
  /** A cosignature or checkpoint handed to us does not verify. */
  | 'invalid_signature'
  /** What is stored no longer matches what was signed: see {@link IntegrityProblem}. */
  | 'integrity'
  /** Refused to sign a checkpoint that is not consistent with the previous one. */
  | 'inconsistent_tree'
  /** The database failed (the batch of appends was rolled back). */
  | 'storage_failed'
  /** The ledger was closed. */
  | 'closed';

const CODES: Record<LedgerErrorReason, ErrorCode> = {
  invalid_entry: 'bad_request',
  out_of_range: 'bad_request',
  invalid_signature: 'bad_request',
  integrity: 'storage_error',
  inconsistent_tree: 'storage_error',
  storage_failed: 'storage_error',
  closed: 'temporarily_unavailable',
};

export class LedgerError extends GovbridgeError {
  readonly reason: LedgerErrorReason;
  constructor(
    reason: LedgerErrorReason,
    message: string,
    options: { cause?: unknown; detail?: Record<string, unknown> } = {},
  ) {
    super(CODES[reason], message, options);
    this.name = 'LedgerError';
    this.reason = reason;
  }
}

/** One thing {@link verifyIntegrity} found wrong; `index` / `size` say where. */
export interface IntegrityProblem {
  readonly kind:
    | 'entry_changed'
    | 'entry_missing'
    | 'entry_unexpected'
    | 'entry_malformed'
    | 'node_changed'
    | 'node_missing'
    | 'node_unexpected'
    | 'size_mismatch'
    | 'checkpoint_invalid'
    | 'checkpoint_root_mismatch'
    | 'checkpoint_beyond_tree'
    /** A witness cosigned a larger tree than is stored (its checkpoint kept in ledger_witness_peers). */
    | 'tail_truncated'
    /** The stored entries do not produce the root a witness cosigned. */
    | 'witnessed_root_mismatch';
  readonly message: string;
  readonly index?: number;
  readonly size?: number;
}

export class LedgerIntegrityError extends LedgerError {
  readonly problems: readonly IntegrityProblem[];
  constructor(problems: readonly IntegrityProblem[]) {
    const first = problems[0]?.message ?? 'unknown problem';
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`
        : '';
    super('integrity', `Ledger integrity check failed: ${first}${more}`, {
      detail: { problems: problems.map((p) => ({ kind: p.kind, index: p.index, size: p.size })) },
    });
    this.name = 'LedgerIntegrityError';
    this.problems = problems;
  }
}
