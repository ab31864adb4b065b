import { z } from 'zod';
import { err, IDENTIFIER_PATTERN, ok, type Result } from '../kernel/index.ts';

/**
 * One ledger entry: the record of one release of a citizen's data to a service or an agency. The
 * leaf data of the Merkle tree is the entry's canonical JSON in UTF-8 (object keys sorted by UTF-16
 * code units, no white space: the JSON Canonicalization Scheme of RFC 8785 for the strings, integers,
 * arrays and objects an entry holds).
 *
 * An entry names attributes, never their values, and the citizen only as `subject`, an HMAC-SHA-256
 * of their account id under a per-citizen random salt (see ledger.ts: deleting the salt unlinks them).
 */
export interface LedgerEntry {
  /** Entry format version. */
  readonly v: 1;
  readonly releaseId: string;
  /** When the release happened, RFC 3339 UTC with milliseconds. */
  readonly time: string;
  readonly recipient: {
    readonly kind: 'service' | 'agency';
    readonly id: string;
    /** ISO 3166-1 alpha-2: `GB`, `SG`. */
    readonly country: string;
  };
  /** Names of the attributes released, sorted, each once. */
  readonly released: readonly string[];
  /** Attributes asked for but withheld, each with the id of the policy that withheld it; sorted by attribute. */
  readonly withheld: readonly { readonly attribute: string; readonly policy: string }[];
  /** HMAC-SHA-256(salt, account id), lower-case hex. */
  readonly subject: string;
  readonly consentId: string | null;
  /** Ids of the policy decisions behind the release, in the order they were made. */
  readonly decisions: readonly string[];
  readonly trustFrameworkVersion: string;
}

/** What a caller appends: the entry without the salted subject, which the ledger computes from the account id. */
export interface ReleaseRecord {
  readonly releaseId: string;
  /** Default: the ledger's clock at append. */
  readonly time?: Date;
  readonly recipient: LedgerEntry['recipient'];
  readonly released: readonly string[];
  readonly withheld?: LedgerEntry['withheld'];
  readonly accountId: string;
  readonly consentId: string | null;
  readonly decisions: readonly string[];
  readonly trustFrameworkVersion: string;
}

// Identifiers that go into the log: the hub's one identifier alphabet (kernel's IDENTIFIER_PATTERN),
// so that every id the hub mints or accepts can be logged, and nothing resembling free text (names,
// e-mail addresses, values) can be smuggled into a public record by mistake.
const id = z.string().regex(IDENTIFIER_PATTERN, 'identifier: 1–200 letters, digits and . _ ~ : / - only');
/** Attribute names, as in the trust framework (`birthdate`, `urn:govbridge:claims:sg_residential_status`). */
const attribute = z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/, 'attribute name');
const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code');
const recipient = z.strictObject({ kind: z.enum(['service', 'agency']), id, country });
const withheldItem = z.strictObject({ attribute, policy: id });
const MAX_ATTRIBUTES = 200;

const accountIdSchema = z.string().min(1).max(255);

const recordSchema = z.strictObject({
  releaseId: id,
  time: z.date().optional(),
  recipient,
  released: z.array(attribute).max(MAX_ATTRIBUTES),
  withheld: z.array(withheldItem).max(MAX_ATTRIBUTES).optional(),
  accountId: accountIdSchema,
  consentId: id.nullable(),
  decisions: z.array(id).max(MAX_ATTRIBUTES),
  trustFrameworkVersion: id,
});

const entrySchema = z.strictObject({
  v: z.literal(1),
  releaseId: id,
  time: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
  recipient,
  released: z.array(attribute).max(MAX_ATTRIBUTES),
  withheld: z.array(withheldItem).max(MAX_ATTRIBUTES),
  subject: z.string().regex(/^[0-9a-f]{64}$/),
  consentId: id.nullable(),
  decisions: z.array(id).max(MAX_ATTRIBUTES),
  trustFrameworkVersion: id,
});

export interface EntryError {
  readonly reason: 'invalid_entry';
  readonly message: string;
}
const invalid = (message: string): Result<never, EntryError> => err({ reason: 'invalid_entry', message });

/** JSON with object keys sorted at every level (RFC 8785 for the values an entry holds). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * The canonical JSON of an entry, written out directly with its keys in sorted order: the same
 * text as `canonicalJson(entry)` (a test holds them equal), several times faster on the append path.
 */
export function entryJson(e: LedgerEntry): string {
  const s = JSON.stringify;
  const withheld = e.withheld.map((w) => `{"attribute":${s(w.attribute)},"policy":${s(w.policy)}}`).join(',');
  return (
    `{"consentId":${s(e.consentId)},"decisions":${s(e.decisions)},` +
    `"recipient":{"country":${s(e.recipient.country)},"id":${s(e.recipient.id)},"kind":${s(e.recipient.kind)}},` +
    `"releaseId":${s(e.releaseId)},"released":${s(e.released)},"subject":${s(e.subject)},"time":${s(e.time)},` +
    `"trustFrameworkVersion":${s(e.trustFrameworkVersion)},"v":${s(e.v)},"withheld":[${withheld}]}`
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new TypeError('only safe integers in entries');
  return value;
}

function firstIssue(e: z.ZodError): string {
  const issue = e.issues[0];
  return issue ? `${issue.path.join('.') || 'entry'}: ${issue.message}` : 'invalid';
}

/** Rules the schema cannot say: unique names, nothing both released and withheld, a real time. */
function checkConsistency(e: {
  released: readonly string[];
  withheld: readonly { attribute: string }[];
  decisions: readonly string[];
}): string | undefined {
  if (new Set(e.released).size !== e.released.length) return 'released: an attribute appears twice';
  const withheld = e.withheld.map((w) => w.attribute);
  if (new Set(withheld).size !== withheld.length) return 'withheld: an attribute appears twice';
  if (withheld.some((a) => e.released.includes(a))) return 'an attribute is both released and withheld';
  if (new Set(e.decisions).size !== e.decisions.length) return 'decisions: an id appears twice';
  return undefined;
}

/** Validate a record and the account id it names (before it is queued). */
export function validateRecord(record: ReleaseRecord): Result<ReleaseRecord, EntryError> {
  const parsed = recordSchema.safeParse(record);
  if (!parsed.success) return invalid(firstIssue(parsed.error));
  const problem = checkConsistency({ ...parsed.data, withheld: parsed.data.withheld ?? [] });
  if (problem) return invalid(problem);
  if (parsed.data.time && Number.isNaN(parsed.data.time.getTime())) return invalid('time: invalid date');
  return ok(record);
}

/** The entry for a validated record, with the citizen's salted subject hash and the time to use. */
export function entryFromRecord(record: ReleaseRecord, subject: string, now: Date): LedgerEntry {
  const byAttribute = (a: { attribute: string }, b: { attribute: string }) =>
    a.attribute < b.attribute ? -1 : a.attribute > b.attribute ? 1 : 0;
  return {
    v: 1,
    releaseId: record.releaseId,
    time: (record.time ?? now).toISOString(),
    recipient: { kind: record.recipient.kind, id: record.recipient.id, country: record.recipient.country },
    released: [...record.released].sort(),
    withheld: (record.withheld ?? [])
      .map((w) => ({ attribute: w.attribute, policy: w.policy }))
      .sort(byAttribute),
    subject,
    consentId: record.consentId,
    decisions: [...record.decisions],
    trustFrameworkVersion: record.trustFrameworkVersion,
  };
}

/**
 * Parse leaf data back into an entry, strictly: valid JSON of the entry schema (no other keys), in
 * canonical form (so that one entry has exactly one leaf hash), with a real time.
 */
export function parseEntry(text: string): Result<LedgerEntry, EntryError> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return invalid('not JSON');
  }
  const parsed = entrySchema.safeParse(json);
  if (!parsed.success) return invalid(firstIssue(parsed.error));
  const entry = parsed.data as LedgerEntry;
  if (canonicalJson(entry) !== text) return invalid('not in canonical form');
  const t = new Date(entry.time);
  if (Number.isNaN(t.getTime()) || t.toISOString() !== entry.time) return invalid('time: not a real instant');
  if ([...entry.released].sort().join('\n') !== entry.released.join('\n'))
    return invalid('released: not sorted');
  const attrs = entry.withheld.map((w) => w.attribute);
  if ([...attrs].sort().join('\n') !== attrs.join('\n')) return invalid('withheld: not sorted by attribute');
  const problem = checkConsistency(entry);
  if (problem) return invalid(problem);
  return ok(entry);
}

export const isAccountId = (value: unknown): value is string => accountIdSchema.safeParse(value).success;
