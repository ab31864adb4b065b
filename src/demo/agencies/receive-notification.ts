import type { CryptoKey, FlattenedVerifyGetKey } from 'jose';
import { base64url, compactDecrypt, errors, flattenedVerify } from 'jose';
import { z } from 'zod';
import { err, ok, type Result } from '../../kernel/index.ts';
import type { NotificationProblem } from './problems.ts';
import type { AgencySubscription, NotificationEventType } from './types.ts';
import { NOTIFICATION_EVENT_TYPES } from './types.ts';

/**
 * What a Tell Us Once receiver checks, in order (docs/receiving-notifications.md). Each step is a
 * small function opening with the rules it enforces; the first that fails decides the answer:
 *
 *   checkMediaType        415  application/cloudevents+json (charset, if given, utf-8)
 *   verifySignature       401  detached JWS over the exact body bytes, ES256 only, `typ` pinned,
 *                              key from the hub's JWKS by `kid`          (503: JWKS unreachable)
 *   parseEvent            400  CloudEvents 1.0, structured JSON mode, the govbridge attributes
 *   checkIdempotencyKey   400  `Idempotency-Key` is the event id as a structured-field string
 *   checkSource           400  `source` is the hub's `<public URL>/notifications`
 *   checkRecipient        422  `govbridgerecipient` is this agency
 *   checkSubscription     422  the event type is one this agency takes
 *   openData              422  JWE: ECDH-ES+A256KW / A256GCM only, to this agency's key; or plain
 *                              JSON without personal data
 *   checkContents         422  the data repeats the envelope's event type and report id, and holds
 *                              only the fields the agency is entitled to
 *
 * Signature first: nothing unauthenticated is parsed beyond the JWS protected header. Pure apart
 * from fetching the hub's keys; the caller de-duplicates and stores.
 */

export interface NotificationRequest {
  readonly contentType: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly signature: string | undefined;
  readonly body: Uint8Array;
}

export interface ReceiverAgency {
  readonly agencyId: string;
  readonly kid: string;
  readonly decryptionKey: CryptoKey;
  readonly subscriptions: readonly AgencySubscription[];
}

/** The hub's notification signing keys: jose's `createRemoteJWKSet`, cached by kid. */
export type HubKeys = FlattenedVerifyGetKey & {
  /** True while the JWKS was fetched too recently to be fetched again for an unknown kid. */
  readonly coolingDown: boolean;
};

export interface ReceiverContext {
  readonly agency: ReceiverAgency;
  readonly hubKeys: HubKeys;
  /** `<hub public URL>/notifications` */
  readonly expectedSource: string;
}

/** A value of an event field: text (a name, a date, an address, a country code) or a list of codes. */
export type AttributeValue = string | readonly string[];

export interface ReceivedNotification {
  readonly eventId: string;
  readonly eventType: NotificationEventType;
  /** The hub's report id (CloudEvents `subject`). */
  readonly subject: string;
  /** When the hub made the event (CloudEvents `time`). */
  readonly time: string;
  /** When the event happened, `YYYY-MM-DD`, when the data says. */
  readonly occurredOn: string | null;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** Why a failed step failed, for the log: machine words only, never a value from the request. */
export interface ReceiveFailure extends NotificationProblem {
  readonly reason?: string;
}

type Step<T> = Result<T, ReceiveFailure>;

export const MEDIA_TYPE = 'application/cloudevents+json';
export const SIGNATURE_TYP = 'govbridge-notification+jws';
export const TYPE_PREFIX = 'uk.gov.govbridge.';

export async function receiveNotification(
  request: NotificationRequest,
  context: ReceiverContext,
): Promise<Step<ReceivedNotification>> {
  const mediaType = checkMediaType(request.contentType);
  if (!mediaType.ok) return mediaType;
  const verified = await verifySignature(request.signature, request.body, context.hubKeys);
  if (!verified.ok) return verified;
  const parsed = parseEvent(request.body);
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  for (const check of [
    checkIdempotencyKey(request.idempotencyKey, event.id),
    checkSource(event.source, context.expectedSource),
    checkRecipient(event.govbridgerecipient, context.agency.agencyId),
  ]) {
    if (!check.ok) return check;
  }
  const subscription = checkSubscription(event.type, context.agency.subscriptions);
  if (!subscription.ok) return subscription;
  const data = await openData(event, context.agency);
  if (!data.ok) return data;
  const contents = checkContents(data.value, event, subscription.value);
  if (!contents.ok) return contents;
  return ok({
    eventId: event.id,
    eventType: subscription.value.eventType,
    subject: event.subject,
    time: event.time,
    occurredOn: data.value.occurredOn ?? null,
    attributes: data.value.attributes ?? {},
  });
}

/**
 * - The body is a CloudEvent in structured mode: `application/cloudevents+json` (CloudEvents JSON
 *   format §3), case-insensitive, parameters allowed.
 * - A `charset`, if given, is UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8).
 */
export function checkMediaType(contentType: string | undefined): Step<void> {
  const [type, ...parameters] = (contentType ?? '').split(';');
  if (type?.trim().toLowerCase() !== MEDIA_TYPE) return fail('unsupported_media_type', 'content-type');
  for (const parameter of parameters) {
    const [name, value] = parameter.split('=').map((part) => part.trim().toLowerCase());
    if (name === 'charset' && value?.replace(/^"|"$/g, '') !== 'utf-8') {
      return fail('unsupported_media_type', 'charset');
    }
  }
  return ok(undefined);
}

/**
 * - `Govbridge-Signature` is a JWS with a detached payload (RFC 7515 Appendix F): `<protected>..<signature>`,
 *   its payload the base64url of the exact body bytes (so `b64` is not used, and neither is `crit`).
 * - The protected header is `alg: ES256` (pinned: anything else, `none` and HMAC included, is refused
 *   before a key is looked up), a `kid`, and `typ: govbridge-notification+jws` (RFC 8725 §3.11: a
 *   typed JWS cannot be confused with another kind signed by the same key).
 * - The key is the hub's, found by `kid` in its JWKS; an unknown `kid` makes jose refetch the JWKS
 *   (at most once per cool-down) before failing: still unknown after a refetch is a 401.
 * - An unknown `kid` during the cool-down could not be looked up: most likely the hub has just
 *   rotated its key (it signs with the new key at once). That, and a JWKS that does not answer, are
 *   not the sender's fault: 503 with Retry-After, so the hub tries again after the cool-down.
 */
export async function verifySignature(
  header: string | undefined,
  body: Uint8Array,
  hubKeys: HubKeys,
): Promise<Step<void>> {
  const match = /^([A-Za-z0-9_-]{1,1024})\.\.([A-Za-z0-9_-]{1,1024})$/.exec(header?.trim() ?? '');
  if (!match) return fail('signature_invalid', header ? 'signature-format' : 'signature-missing');
  const [, protectedHeader, signature] = match as unknown as [string, string, string];
  let fields: unknown;
  try {
    fields = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(protectedHeader)));
  } catch {
    return fail('signature_invalid', 'protected-header');
  }
  if (!isRecord(fields)) return fail('signature_invalid', 'protected-header');
  if (fields['alg'] !== 'ES256') return fail('signature_invalid', 'alg');
  if (typeof fields['kid'] !== 'string' || fields['kid'] === '') return fail('signature_invalid', 'kid');
  if (fields['typ'] !== SIGNATURE_TYP) return fail('signature_invalid', 'typ');
  if ('b64' in fields || 'crit' in fields) return fail('signature_invalid', 'crit');
  const couldNotRefetch = hubKeys.coolingDown;
  try {
    await flattenedVerify(
      { protected: protectedHeader, payload: base64url.encode(body), signature },
      hubKeys,
      { algorithms: ['ES256'] },
    );
  } catch (cause) {
    if (cause instanceof errors.JWKSNoMatchingKey && couldNotRefetch) {
      return fail(
        'hub_keys_unavailable',
        'kid-unknown-cooling-down',
        'The signing key is not in the hub’s keys as last fetched; they are fetched again shortly.',
      );
    }
    if (
      cause instanceof errors.JWSSignatureVerificationFailed ||
      cause instanceof errors.JWKSNoMatchingKey ||
      cause instanceof errors.JWKSMultipleMatchingKeys ||
      cause instanceof errors.JOSEAlgNotAllowed ||
      cause instanceof errors.JWSInvalid ||
      cause instanceof errors.JOSENotSupported
    ) {
      return fail('signature_invalid', cause.code);
    }
    // Timeouts, network failures, a JWKS that is not one: the hub's keys are unavailable for now.
    return fail('hub_keys_unavailable', cause instanceof errors.JOSEError ? cause.code : 'jwks-fetch');
  }
  return ok(undefined);
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const cloudEvent = z.looseObject({
  specversion: z.literal('1.0', { error: 'specversion must be "1.0"' }),
  id: z.string().min(1, 'id must not be empty').max(200, 'id must be at most 200 characters'),
  source: z.string().min(1, 'source must not be empty').max(2048),
  type: z.string().min(1).max(200),
  subject: z.string().min(1, 'subject must be the report id').max(200),
  time: z
    .string()
    .regex(rfc3339, 'time must be an RFC 3339 timestamp')
    .refine((t) => !Number.isNaN(Date.parse(t)), 'time must be an RFC 3339 timestamp'),
  govbridgerecipient: z.string().min(1).max(64),
  datacontenttype: z.enum(['application/jose', 'application/json'], {
    error: 'datacontenttype must be application/jose or application/json',
  }),
  data: z.union([z.string(), z.record(z.string(), z.unknown())], {
    error: 'data must be a compact JWE or a JSON object',
  }),
});

export type CloudEvent = z.infer<typeof cloudEvent>;

/**
 * - The body is UTF-8 JSON holding one object (CloudEvents JSON format §3, structured mode).
 * - `specversion` "1.0"; `id`, `source`, `type`, `subject` non-empty; `time` RFC 3339.
 * - `govbridgerecipient` (a govbridge extension attribute) names the agency.
 * - `datacontenttype` is `application/jose` with a compact JWE string in `data`, or
 *   `application/json` with an object in `data`. Other attributes (extensions) are ignored.
 */
export function parseEvent(body: Uint8Array): Step<CloudEvent> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return fail('event_malformed', 'json', 'The body is not UTF-8 JSON.');
  }
  if (!isRecord(value)) return fail('event_malformed', 'json', 'The body is not a JSON object.');
  const parsed = cloudEvent.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || 'event';
    // zod's messages describe the schema (ours are fixed sentences), never the submitted value.
    const message =
      issue?.code === 'invalid_type' ? `${path} is missing or has the wrong type` : issue?.message;
    return fail('event_malformed', `attribute:${path}`, `${message ?? 'invalid'}.`);
  }
  if (parsed.data.datacontenttype === 'application/jose' && typeof parsed.data.data !== 'string') {
    return fail('event_malformed', 'attribute:data', 'application/jose data must be a compact JWE string.');
  }
  if (parsed.data.datacontenttype === 'application/json' && typeof parsed.data.data === 'string') {
    return fail('event_malformed', 'attribute:data', 'application/json data must be a JSON object.');
  }
  return ok(parsed.data);
}

/**
 * - `Idempotency-Key` is present and is an RFC 8941 sf-string (`"…"`, `\"` and `\\` escaped).
 * - Its value is the event `id`: the header lets a proxy de-duplicate without reading the body; the
 *   receiver de-duplicates on the signed `id`, so the two must agree.
 */
export function checkIdempotencyKey(header: string | undefined, eventId: string): Step<void> {
  const match = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(header?.trim() ?? '');
  if (!match) {
    return fail(
      'idempotency_key_invalid',
      header ? 'idempotency-key-format' : 'idempotency-key-missing',
      'Idempotency-Key must be the event id as a quoted structured-field string.',
    );
  }
  if (match[1]!.replace(/\\(["\\])/g, '$1') !== eventId) {
    return fail(
      'idempotency_key_invalid',
      'idempotency-key-mismatch',
      'Idempotency-Key must equal the event id.',
    );
  }
  return ok(undefined);
}

/** - `source` is exactly the hub's `<public URL>/notifications`: the events this agency trusts. */
export function checkSource(source: string, expected: string): Step<void> {
  return source === expected
    ? ok(undefined)
    : fail('event_malformed', 'source', 'source is not this hub’s notification source.');
}

/**
 * - `govbridgerecipient` is this agency. It is inside the signature: an event the hub made for one
 *   agency cannot be replayed to another (whose endpoint would otherwise accept the hub's signature).
 */
export function checkRecipient(recipient: string, agencyId: string): Step<void> {
  return recipient === agencyId ? ok(undefined) : fail('wrong_recipient', 'recipient');
}

/**
 * - `type` is `uk.gov.govbridge.<event type>.v1`: another prefix is not a govbridge event (400).
 * - The event type is one this agency subscribes to (422): a known type it does not take, a new
 *   type or a new version are all refused, never half-understood.
 */
export function checkSubscription(
  type: string,
  subscriptions: readonly AgencySubscription[],
): Step<AgencySubscription> {
  if (!type.startsWith(TYPE_PREFIX)) {
    return fail('event_malformed', 'type', `type must start with ${TYPE_PREFIX}`);
  }
  const match = /^uk\.gov\.govbridge\.([a-z-]+)\.v1$/.exec(type);
  const eventType = NOTIFICATION_EVENT_TYPES.find((t) => t === match?.[1]);
  const subscription = subscriptions.find((s) => s.eventType === eventType);
  return subscription ? ok(subscription) : fail('event_type_not_subscribed', 'type');
}

const attributeValue = z.union([z.string().max(2000), z.array(z.string().max(200)).max(50)]);
const eventData = z.looseObject({
  eventType: z.string().optional(),
  reportId: z.string().optional(),
  occurredOn: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)))
    .optional(),
  attributes: z.record(z.string(), attributeValue).optional(),
});

export type EventData = z.infer<typeof eventData>;

/**
 * - `application/jose`: a compact JWE (RFC 7516 §7.1) with `alg: ECDH-ES+A256KW` and
 *   `enc: A256GCM` only (pinned: no other key management or content encryption is tried), to this
 *   agency's key (`kid`, when given, is its key's). It decrypts to UTF-8 JSON: `eventType`,
 *   `reportId`, `occurredOn` (`YYYY-MM-DD`) and `attributes` (each a string or a list of strings).
 * - `application/json`: the hub sends plain JSON only when there is no personal data, so it must
 *   carry no attributes.
 */
export async function openData(event: CloudEvent, agency: ReceiverAgency): Promise<Step<EventData>> {
  let plaintext: unknown;
  if (typeof event.data === 'string') {
    let decrypted: Uint8Array;
    try {
      const result = await compactDecrypt(event.data, agency.decryptionKey, {
        keyManagementAlgorithms: ['ECDH-ES+A256KW'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      if (result.protectedHeader.kid !== undefined && result.protectedHeader.kid !== agency.kid) {
        return fail('data_undecryptable', 'jwe-kid');
      }
      decrypted = result.plaintext;
    } catch (cause) {
      return fail('data_undecryptable', cause instanceof errors.JOSEError ? cause.code : 'jwe');
    }
    try {
      plaintext = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decrypted));
    } catch {
      return fail('data_invalid', 'plaintext-json');
    }
  } else {
    plaintext = event.data;
  }
  const parsed = eventData.safeParse(plaintext);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join('.') || 'data';
    return fail('data_invalid', `data:${path}`, `${path} is missing or has the wrong type.`);
  }
  if (typeof event.data !== 'string' && Object.keys(parsed.data.attributes ?? {}).length > 0) {
    return fail(
      'data_invalid',
      'unencrypted-attributes',
      'Personal data must be encrypted (application/jose).',
    );
  }
  return ok(parsed.data);
}

/**
 * - The data's `eventType` and `reportId`, when present, are the envelope's type and subject: the
 *   signed envelope and the encrypted data describe the same report.
 * - Every attribute is one the agency subscribed to for this event type. More than that is refused
 *   (422), not silently dropped: the agency must never hold what it is not entitled to, and the
 *   hub's operators must see the fault (the hub does not retry a 422; it dead-letters it).
 *   Fewer is fine: a field the citizen did not give is simply absent.
 */
export function checkContents(
  data: EventData,
  event: CloudEvent,
  subscription: AgencySubscription,
): Step<void> {
  if (data.eventType !== undefined && data.eventType !== subscription.eventType) {
    return fail('data_invalid', 'data-event-type', 'The data’s eventType is not the event’s type.');
  }
  if (data.reportId !== undefined && data.reportId !== event.subject) {
    return fail('data_invalid', 'data-report-id', 'The data’s reportId is not the event’s subject.');
  }
  const entitled = new Set(subscription.attributes);
  if (Object.keys(data.attributes ?? {}).some((name) => !entitled.has(name))) {
    return fail('data_not_entitled', 'attributes');
  }
  return ok(undefined);
}

function fail(code: NotificationProblem['code'], reason: string, detail?: string): Step<never> {
  return err(detail === undefined ? { code, reason } : { code, reason, detail });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
