/**
 * Database types. Portable column choices, the same on SQLite and PostgreSQL:
 * - timestamps are epoch milliseconds in BIGINT/INTEGER columns (`number`);
 * - JSON is TEXT holding a JSON document (`string`), parsed by the owning module;
 * - booleans are INTEGER 0/1.
 */
export interface OidcArtefactTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

export interface KeyTable {
  kid: string;
  /** `hub-sig` (ID tokens to relying parties), `singpass-sig`, `singpass-enc`, `onelogin-sig`, … */
  purpose: string;
  alg: string;
  public_jwk: string;
  /** AES-256-GCM sealed private JWK (see storage/key-sealing). */
  private_jwk_sealed: string;
  created_at: number;
  /** When the key stops being used to sign or decrypt new things. */
  retired_at: number | null;
  /** When the key stops being published (after every token it signed has expired). */
  expires_at: number | null;
}

export interface ClientTable {
  client_id: string;
  metadata: string;
  country: string;
  agency: string;
  purpose: string;
  allowed_attributes: string;
  min_assurance: string;
  environment: string | null;
  created_at: number;
  updated_at: number;
  /** Null while a self-registered client waits for an operator. */
  approved_at: number | null;
  /** `operator` (CLI, composition root) or `self` (Dynamic Client Registration). */
  registered_by: string | null;
  /** Set while an operator has suspended the client (0015): unknown to the provider meanwhile. */
  suspended_at: number | null;
}

export interface AccountTable {
  account_id: string;
  scheme: string;
  /** Opaque upstream subject (never an NRIC: for the legacy Singpass profile only the `u=` uuid). */
  upstream_subject: string;
  created_at: number;
  last_login_at: number;
}

/** A sign-in to the hub's own pages (migration 0012): the cookie holds the id, the hub its hash. */
export interface AccountSessionTable {
  session_id_hash: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  /** Set when the citizen signs out: the session is dead for every process from then on. */
  revoked_at: number | null;
}

export interface ConsentTable {
  consent_id: string;
  account_id: string;
  client_id: string;
  attributes: string;
  purpose: string;
  trust_framework_version: string;
  granted_at: number;
  withdrawn_at: number | null;
}

export interface ReleaseTable {
  release_id: string;
  account_id: string;
  client_id: string;
  attributes: string;
  acr: string;
  scheme: string;
  trust_framework_version: string;
  consent_id: string | null;
  released_at: number;
  grant_id: string | null;
  /** JSON `[{attribute, policies}]` the release policy withheld (migration 0010); null when none. */
  withheld?: string | null;
  /** JSON list of the ids of the policy decisions behind the release (migration 0011). */
  decisions?: string | null;
}

export interface SettingTable {
  name: string;
  value: string;
}

export interface UpstreamLoginTable {
  state_hash: string;
  interaction_uid: string | null;
  /** `interaction` (a relying party's login) or `account` (the citizen signing in to the hub). */
  purpose: string;
  scheme: string;
  transaction_sealed: string;
  result_sealed: string | null;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

export interface GrantClaimsTable {
  grant_id: string;
  account_id: string;
  claims_sealed: string;
  created_at: number;
  expires_at: number;
}

/** A citizen's saved life-event journey (life-events/journey-store.ts). */
export interface JourneyTable {
  journey_id: string;
  account_id: string;
  event_id: string;
  /** `YYYY-MM-DD`. */
  event_date: string;
  /** JSON object: fact id → answer (null: the citizen does not know). */
  answers: string;
  /** JSON list of the service ids the citizen has marked done. */
  steps_done: string;
  created_at: number;
  updated_at: number;
  /** Sealed JSON of the verified details the citizen agreed to use (null: none). Migration 0005. */
  verified_sealed?: string | null;
  /** The catalogue version when created or last changed (null: saved before it had one). Migration 0006. */
  catalogue_version?: string | null;
}

/** An agency that receives Tell Us Once notifications (migration 0007). */
export interface AgencyTable {
  agency_id: string;
  name: string;
  country: string;
  website: string;
  environment: string;
  endpoint: string;
  /** Public JWK (EC P-256) the hub encrypts personal data to. */
  encryption_jwk: string;
  max_attempts: number;
  /** `active` | `suspended`. */
  status: string;
  created_at: number;
  updated_at: number;
}

export interface AgencySubscriptionTable {
  agency_id: string;
  event_type: string;
  /** JSON list of the payload fields the agency is entitled to. */
  attributes: string;
}

/** A citizen's report of a life event (Tell Us Once), sealed. */
export interface ReportTable {
  report_id: string;
  account_id: string;
  journey_id: string | null;
  event_type: string;
  occurred_on: string;
  payload_sealed: string;
  submission_key: string;
  created_at: number;
  /**
   * HMAC-SHA256 (base64url) of the canonicalised report, unique while the report is inside the
   * duplicate window (then NULL): a re-sent identical report finds the first. Migration 0013.
   */
  content_key: string | null;
}

/** The transactional outbox: one row per agency told of a report. */
export interface NotificationTable {
  notification_id: string;
  report_id: string;
  agency_id: string;
  event_type: string;
  /** JSON list of the field names released to the agency. */
  attributes: string;
  payload_sealed: string;
  /** `pending` | `sending` | `retrying` | `delivered` | `dead`. */
  state: string;
  attempts: number;
  attempt_limit: number;
  next_attempt_at: number;
  claim_token: string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
  /** JSON list of the ids of the policy decisions behind the release (migration 0011). */
  decisions?: string | null;
  /** JSON `[{attribute, policies}]`: entitled fields the release policy withheld (migration 0011). */
  withheld?: string | null;
}

export interface NotificationFailureTable {
  notification_id: string;
  attempt: number;
  at: number;
  status: number | null;
  error: string;
}

/** What a demo Tell Us Once agency received (demo/agencies; migration 0009). */
export interface DemoAgencyInboxTable {
  agency_id: string;
  /** The CloudEvent `id` (= Idempotency-Key); unique per agency. */
  event_id: string;
  event_type: string;
  /** The hub's report id (CloudEvent `subject`). */
  subject: string;
  /** The CloudEvent `time` (RFC 3339), as sent. */
  event_time: string;
  /** `YYYY-MM-DD`: when the event happened, when the data says. */
  occurred_on: string | null;
  received_at: number;
  /** Sealed JSON object of the attributes received. */
  attributes_sealed: string;
  /** Deliveries of the same event after the first, dropped. */
  duplicates: number;
}

/** The transparency ledger (ledger/; migration 0008). Hashes are lower-case hex. */
export interface LedgerStateTable {
  /** Always 1: the one row appenders lock. */
  id: number;
  /** Number of entries (the tree size). */
  size: number;
}

export interface LedgerEntryTable {
  idx: number;
  release_id: string;
  /** HMAC-SHA-256(salt, account id), hex. */
  subject_hash: string;
  /** The entry's canonical JSON: the leaf data. */
  leaf: string;
  leaf_hash: string;
  appended_at: number;
}

/** Hash of the complete subtree at (level ≥ 1, idx). */
export interface LedgerNodeTable {
  level: number;
  idx: number;
  hash: string;
}

export interface LedgerCheckpointTable {
  size: number;
  root_hash: string;
  /** The signed note (C2SP tlog-checkpoint), with the log's signature only. */
  note: string;
  created_at: number;
}

export interface LedgerCosignatureTable {
  size: number;
  /** Cosigner key name and hex key ID. */
  cosigner: string;
  key_id: string;
  /** The note signature line, ending with a newline. */
  signature: string;
  /** The cosignature's own timestamp (POSIX seconds). */
  timestamp: number;
  created_at: number;
}

export interface LedgerSubjectSaltTable {
  account_id: string;
  /** 32 random bytes, hex. */
  salt: string;
  created_at: number;
}

/** The latest checkpoint this hub cosigned for another log (witness state). */
export interface LedgerWitnessStateTable {
  origin: string;
  size: number;
  root_hash: string;
  note: string;
  updated_at: number;
}

export interface LedgerProblemTable {
  kind: string;
  ref: string;
  message: string;
  first_seen_at: number;
  last_seen_at: number;
}

export interface LedgerWitnessPeerTable {
  url: string;
  cosigned_size: number;
  cosigned_note: string | null;
  claimed_size: number;
  last_ok_at: number | null;
  failing_since: number | null;
  last_error: string | null;
}

export interface OperatorAuditTable {
  seq: number;
  record: string;
  prev_hash: string;
  hash: string;
  signature: string;
}

export interface OperatorSessionTable {
  session_id_hash: string;
  subject: string;
  name: string;
  role: string;
  via: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface OperatorSignInLinkTable {
  token_hash: string;
  subject: string;
  name: string;
  role: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface LoginRefusalTable {
  id: string;
  at: number;
  code: string;
  check_name: string;
  scheme: string | null;
  client_id: string | null;
}

export interface Database {
  upstream_logins: UpstreamLoginTable;
  grant_claims: GrantClaimsTable;
  oidc_artefacts: OidcArtefactTable;
  keys: KeyTable;
  clients: ClientTable;
  accounts: AccountTable;
  account_sessions: AccountSessionTable;
  consents: ConsentTable;
  releases: ReleaseTable;
  settings: SettingTable;
  journeys: JourneyTable;
  agencies: AgencyTable;
  agency_subscriptions: AgencySubscriptionTable;
  reports: ReportTable;
  notifications: NotificationTable;
  notification_failures: NotificationFailureTable;
  demo_agency_inbox: DemoAgencyInboxTable;
  ledger_state: LedgerStateTable;
  ledger_entries: LedgerEntryTable;
  ledger_nodes: LedgerNodeTable;
  ledger_checkpoints: LedgerCheckpointTable;
  ledger_cosignatures: LedgerCosignatureTable;
  ledger_subject_salts: LedgerSubjectSaltTable;
  ledger_witness_state: LedgerWitnessStateTable;
  ledger_problems: LedgerProblemTable;
  ledger_witness_peers: LedgerWitnessPeerTable;
  operator_audit: OperatorAuditTable;
  operator_sessions: OperatorSessionTable;
  operator_sign_in_links: OperatorSignInLinkTable;
  login_refusals: LoginRefusalTable;
}
