export { type AppendMissingOptions, appendMissing, type MissingRow } from './append-missing.ts';
export {
  type Checkpoint,
  formatCheckpoint,
  type OpenCheckpointOptions,
  openCheckpoint,
  parseCheckpoint,
  type VerifiedCheckpoint,
} from './checkpoint.ts';
export { type Cosigner, cosignatureVerifier, ed25519Cosigner } from './cosignature.ts';
export {
  canonicalJson,
  type LedgerEntry,
  parseEntry,
  type ReleaseRecord,
  validateRecord as validateReleaseRecord,
} from './entry.ts';
export {
  type IntegrityProblem,
  LedgerError,
  type LedgerErrorReason,
  LedgerIntegrityError,
} from './errors.ts';
export type { IntegrityReport } from './integrity.ts';
export {
  type AppendResult,
  type ConsistencyProof,
  createLedger,
  type InclusionProof,
  type Ledger,
  type LedgerOptions,
  type SignedCheckpoint,
  type StoredEntry,
} from './ledger.ts';
export {
  EMPTY_ROOT,
  type Hash,
  leafHash,
  MemoryTree,
  type NodeId,
  nodeHash,
  type SubtreeSource,
  verifyConsistencyProof,
  verifyInclusionProof,
} from './merkle.ts';
export {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  type NoteSigner,
  type NoteVerifier,
  openNote,
  parseVerifierKey,
  signNote,
} from './note.ts';
export {
  clearProblems,
  flagProblem,
  type LedgerProblem,
  type LedgerProblemKind,
  listProblems,
  type RepairLog,
  runStartupRepairs,
} from './problems.ts';
export {
  RECEIPT_FORMAT,
  type Receipt,
  type VerificationError,
  type VerifiedReceipt,
  type VerifyOptions,
  verifyConsistency,
  verifyReceipt,
} from './receipt.ts';
export {
  createWitness,
  parseAddCheckpoint,
  type Witness,
  WitnessError,
  type WitnessOptions,
} from './witness.ts';
export {
  conflictSize,
  createWitnessPusher,
  recordCosigned,
  type WitnessPusher,
  type WitnessPusherOptions,
  type WitnessStatus,
  witnessEndpoint,
} from './witness-push.ts';
