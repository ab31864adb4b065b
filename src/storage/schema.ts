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
}

export interface AccountTable {
  account_id: string;
  scheme: string;
  /** Opaque upstream subject (never an NRIC: for the legacy Singpass profile only the `u=` uuid). */
  upstream_subject: string;
  created_at: number;
  last_login_at: number;
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
}

export interface Database {
  upstream_logins: UpstreamLoginTable;
  grant_claims: GrantClaimsTable;
  oidc_artefacts: OidcArtefactTable;
  keys: KeyTable;
  clients: ClientTable;
  accounts: AccountTable;
  consents: ConsentTable;
  releases: ReleaseTable;
  settings: SettingTable;
  journeys: JourneyTable;
}
