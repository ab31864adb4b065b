import type { JsonSchema } from '../api-docs/openapi-document.ts';

/**
 * The JSON Schemas of the admin API: what each route accepts (Fastify validates params, query and
 * body with them, see validation.ts) and answers (Fastify serialises with them: a property missing
 * here would vanish from the response). The OpenAPI document is generated from them; shared ones
 * are named (`NAMED_SCHEMAS`) so the document refers to them once.
 *
 * The agency registration body mirrors the registry's own checks (notifications/agency-registry.ts):
 * the schema refuses wrong types, unknown fields and out-of-range sizes up front and documents the
 * shape; the registry still decides what only it knows (hosting environments, event types and
 * their fields, https endpoints, public keys only).
 */

const ID_PATTERN = '^[A-Za-z0-9_-]{1,80}$';
const STATES = ['pending', 'sending', 'retrying', 'delivered', 'dead'] as const;

export const problemSchema = {
  type: 'object',
  description: 'An RFC 9457 problem: what was wrong, naming the field or the check that failed.',
  properties: {
    type: { type: 'string', examples: ['urn:govbridge:problem:bad_request'] },
    title: { type: 'string', examples: ['Bad Request'] },
    status: { type: 'integer', examples: [400] },
    detail: { type: 'string', examples: ['query parameter limit must be at most 1000'] },
    code: { type: 'string', description: 'Stable machine-readable reason.', examples: ['bad_request'] },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
} as const;

const country = { type: 'string', enum: ['GB', 'SG'] } as const;

const encryptionJwk = {
  type: 'object',
  description: "The agency's public encryption key: an EC P-256 JWK (public half only).",
  properties: {
    kty: { type: 'string', enum: ['EC'] },
    crv: { type: 'string', enum: ['P-256'] },
    x: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'A base64url P-256 coordinate.' },
    y: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'A base64url P-256 coordinate.' },
    kid: { type: 'string', minLength: 1, maxLength: 128 },
    use: { type: 'string', enum: ['enc'] },
    alg: { type: 'string', enum: ['ECDH-ES+A256KW'] },
  },
  required: ['kty', 'crv', 'x', 'y'],
  additionalProperties: true,
} as const;

const subscription = {
  type: 'object',
  description: 'An event type the agency receives and the fields it is entitled to for it.',
  properties: {
    eventType: { type: 'string', minLength: 1, maxLength: 64, examples: ['moving-abroad'] },
    attributes: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: { type: 'string', minLength: 1, maxLength: 64 },
      examples: [['name', 'new_address', 'date_of_move']],
    },
  },
  required: ['eventType', 'attributes'],
  additionalProperties: false,
} as const;

export const agencySchema = {
  type: 'object',
  description: 'An agency Tell Us Once notifies.',
  properties: {
    agencyId: { type: 'string', examples: ['uk_council'] },
    name: { type: 'string' },
    country,
    website: { type: 'string' },
    environment: { type: 'string', description: 'Its hosting environment (trust framework).' },
    endpoint: { type: 'string', description: 'Where notifications are posted.' },
    encryptionJwk: { ...encryptionJwk, required: ['kty', 'crv', 'x', 'y', 'kid'] },
    maxAttempts: { type: 'integer', description: 'Attempts before a notification is dead-lettered.' },
    status: { type: 'string', enum: ['active', 'suspended'] },
    subscriptions: { type: 'array', items: subscription },
  },
  required: [
    'agencyId',
    'name',
    'country',
    'website',
    'environment',
    'endpoint',
    'encryptionJwk',
    'maxAttempts',
    'status',
    'subscriptions',
  ],
} as const;

/** PUT /agencies/{agencyId}: the registration (docs/tell-us-once.md). */
export const registrationSchema = {
  type: 'object',
  description:
    'An agency registration. The registry also checks the hosting environment, the event types and their fields, and that the endpoint is https (plain http to loopback in development only).',
  properties: {
    agencyId: {
      type: 'string',
      description: 'Ignored: the path names the agency.',
    },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    country,
    website: { type: 'string', pattern: '^https://', maxLength: 2048, description: 'An https web address.' },
    environment: { type: 'string', minLength: 1, maxLength: 64, examples: ['uk-public-cloud'] },
    endpoint: { type: 'string', minLength: 1, maxLength: 2048 },
    encryptionJwk,
    subscriptions: { type: 'array', minItems: 1, maxItems: 32, items: subscription },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 50 },
  },
  required: ['name', 'country', 'website', 'environment', 'endpoint', 'encryptionJwk', 'subscriptions'],
  additionalProperties: false,
} as const;

export const agencyListSchema = {
  type: 'object',
  properties: { agencies: { type: 'array', items: agencySchema } },
  required: ['agencies'],
} as const;

export const agencyStatusSchema = {
  type: 'object',
  properties: { agencyId: { type: 'string' }, status: { type: 'string', enum: ['active', 'suspended'] } },
  required: ['agencyId', 'status'],
} as const;

export const replayedSchema = {
  type: 'object',
  properties: { replayed: { type: 'integer', description: 'Dead letters sent again.' } },
  required: ['replayed'],
} as const;

const millis = { type: 'integer', description: 'Milliseconds since 1970-01-01 UTC.' } as const;

export const queueSchema = {
  type: 'object',
  description: 'How many notifications of one agency are in one state.',
  properties: {
    agencyId: { type: 'string' },
    state: { type: 'string', enum: [...STATES] },
    count: { type: 'integer' },
    oldest: { ...millis, description: 'When the oldest of them was created (ms since 1970).' },
  },
  required: ['agencyId', 'state', 'count', 'oldest'],
} as const;

export const queueListSchema = {
  type: 'object',
  properties: { queues: { type: 'array', items: queueSchema } },
  required: ['queues'],
} as const;

const notificationProperties = {
  notificationId: { type: 'string', examples: ['ntf_01JX4ZP2'] },
  reportId: { type: 'string' },
  agencyId: { type: 'string' },
  eventType: { type: 'string' },
  attributes: { type: 'array', items: { type: 'string' }, description: 'Field names, never values.' },
  state: { type: 'string', enum: [...STATES] },
  attempts: { type: 'integer' },
  attemptLimit: { type: 'integer' },
  nextAttemptAt: millis,
  lastStatus: { type: ['integer', 'null'], description: "The agency's last HTTP status." },
  lastError: { type: ['string', 'null'] },
  createdAt: millis,
  deliveredAt: { type: ['integer', 'null'], description: 'Milliseconds since 1970, once delivered.' },
} as const;
const notificationRequired = [
  'notificationId',
  'reportId',
  'agencyId',
  'eventType',
  'attributes',
  'state',
  'attempts',
  'attemptLimit',
  'nextAttemptAt',
  'lastStatus',
  'lastError',
  'createdAt',
  'deliveredAt',
];

export const notificationSchema = {
  type: 'object',
  description: 'A notification to one agency: its state and attempts, no personal data.',
  properties: notificationProperties,
  required: notificationRequired,
} as const;

export const notificationListSchema = {
  type: 'object',
  properties: { notifications: { type: 'array', items: notificationSchema, description: 'Newest first.' } },
  required: ['notifications'],
} as const;

export const failureSchema = {
  type: 'object',
  description: 'One failed delivery attempt.',
  properties: {
    attempt: { type: 'integer' },
    at: millis,
    status: { type: ['integer', 'null'] },
    error: { type: 'string', examples: ['HTTP 410: refused by the agency'] },
  },
  required: ['attempt', 'at', 'status', 'error'],
} as const;

export const notificationDetailSchema = {
  type: 'object',
  description: 'A notification with every failed attempt.',
  properties: { ...notificationProperties, failures: { type: 'array', items: failureSchema } },
  required: [...notificationRequired, 'failures'],
} as const;

const dateTime = { type: 'string', format: 'date-time' } as const;

export const ledgerStateSchema = {
  type: 'object',
  description:
    'What start-up repairs and witnesses found wrong with the transparency ledger, and each witness.',
  properties: {
    problems: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kind: { type: 'string', examples: ['release_client_unknown'] },
          ref: { type: 'string', description: 'The row or peer: a release id, a witness URL.' },
          message: { type: 'string', description: 'Which check failed, never a value.' },
          firstSeenAt: dateTime,
          lastSeenAt: dateTime,
        },
        required: ['kind', 'ref', 'message', 'firstSeenAt', 'lastSeenAt'],
      },
    },
    witnesses: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          url: { type: 'string' },
          cosignedSize: { type: 'integer', description: 'The largest tree size it cosigned (0: none yet).' },
          claimedSize: { type: 'integer', description: 'The size it last said it holds.' },
          lastOkAt: { type: ['string', 'null'], format: 'date-time' },
          failingSince: { type: ['string', 'null'], format: 'date-time' },
          lastError: { type: ['string', 'null'] },
        },
        required: ['url', 'cosignedSize', 'claimedSize', 'lastOkAt', 'failingSince', 'lastError'],
      },
    },
  },
  required: ['problems', 'witnesses'],
} as const;

export const agencyIdParams = {
  type: 'object',
  properties: {
    agencyId: {
      type: 'string',
      pattern: ID_PATTERN,
      description: 'An agency id: 1 to 80 letters, digits, _ or -.',
      examples: ['uk_council'],
    },
  },
  required: ['agencyId'],
} as const;

export const notificationIdParams = {
  type: 'object',
  properties: {
    notificationId: {
      type: 'string',
      pattern: ID_PATTERN,
      description: 'A notification id: 1 to 80 letters, digits, _ or -.',
    },
  },
  required: ['notificationId'],
} as const;

export const notificationQuery = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: [...STATES], description: 'Only notifications in this state.' },
    agency: {
      type: 'string',
      pattern: ID_PATTERN,
      description: "The agency's id: 1 to 80 letters, digits, _ or -.",
    },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      default: 100,
      description: 'At most this many, newest first.',
    },
  },
} as const;

/** A success response in Fastify's content-type form, which is also OpenAPI's. */
export function jsonResponse(description: string, schema: JsonSchema): JsonSchema {
  return { description, content: { 'application/json': { schema } } };
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid; `detail` names each field and why.',
  401: 'No valid operator bearer token (`Authorization: Bearer $GOVBRIDGE_ADMIN_TOKEN`).',
  404: 'There is no such agency or notification.',
  409: 'The notification is not a dead letter: nothing to replay.',
  413: 'The request body is over 64 KiB.',
  415: 'The request body is in a format this API does not read (send JSON).',
};

/** Error responses, as problem+json (the web layer's one error mapping writes them). */
export function problemResponses(...statuses: number[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const status of statuses) {
    out[String(status)] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  return out;
}

/** Shared schemas, named once in the document's `components/schemas`. */
export const NAMED_SCHEMAS: ReadonlyMap<object, string> = new Map<object, string>([
  [problemSchema, 'Problem'],
  [agencySchema, 'Agency'],
  [registrationSchema, 'AgencyRegistration'],
  [subscription, 'Subscription'],
  [encryptionJwk, 'EncryptionJwk'],
  [queueSchema, 'Queue'],
  [notificationSchema, 'Notification'],
  [notificationDetailSchema, 'NotificationDetail'],
  [failureSchema, 'Failure'],
  [ledgerStateSchema, 'LedgerState'],
]);
