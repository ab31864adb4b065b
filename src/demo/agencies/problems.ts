/**
 * Why a demo agency refuses a notification, as an RFC 9457 problem: each code with the status the
 * hub acts on (see docs/receiving-notifications.md) and a fixed sentence. A detail never echoes what
 * was sent — only which rule it broke — so nothing personal can reach a response or a log.
 *
 *   400  the request is malformed: the hub must not send it again as it is
 *   401  the signature is missing, not ES256, by an unknown key, or does not verify
 *   404  no such agency
 *   413  the body is over the cap
 *   415  not `application/cloudevents+json`
 *   422  well-formed and signed, but not for this agency, or its data cannot be read or is more
 *        than the agency is entitled to
 *   503  the hub's keys cannot be fetched just now: worth retrying
 */
export type NotificationProblemCode =
  | 'event_malformed'
  | 'idempotency_key_invalid'
  | 'signature_invalid'
  | 'unknown_agency'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'wrong_recipient'
  | 'event_type_not_subscribed'
  | 'data_undecryptable'
  | 'data_invalid'
  | 'data_not_entitled'
  | 'hub_keys_unavailable'
  | 'server_error';

export interface NotificationProblem {
  readonly code: NotificationProblemCode;
  /** A fixed sentence naming the rule that was broken; never a value from the request. */
  readonly detail?: string;
}

const STATUS: Readonly<Record<NotificationProblemCode, number>> = {
  event_malformed: 400,
  idempotency_key_invalid: 400,
  signature_invalid: 401,
  unknown_agency: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  wrong_recipient: 422,
  event_type_not_subscribed: 422,
  data_undecryptable: 422,
  data_invalid: 422,
  data_not_entitled: 422,
  hub_keys_unavailable: 503,
  server_error: 500,
};

const TITLE: Readonly<Record<NotificationProblemCode, string>> = {
  event_malformed: 'The notification is not a valid govbridge CloudEvent',
  idempotency_key_invalid: 'The Idempotency-Key header is missing or does not match the event id',
  signature_invalid: 'The Govbridge-Signature does not verify against the hub’s keys',
  unknown_agency: 'There is no such agency',
  payload_too_large: 'The notification is larger than this agency accepts',
  unsupported_media_type: 'Notifications must be application/cloudevents+json',
  wrong_recipient: 'The notification is addressed to another agency',
  event_type_not_subscribed: 'This agency does not take notifications of this type',
  data_undecryptable: 'The notification’s data cannot be decrypted by this agency',
  data_invalid: 'The notification’s data is not what its event says',
  data_not_entitled: 'The notification carries details this agency is not entitled to',
  hub_keys_unavailable: 'The hub’s signing keys cannot be fetched at the moment',
  server_error: 'The agency could not record the notification',
};

export function problemStatus(code: NotificationProblemCode): number {
  return STATUS[code];
}

export function problemBody(problem: NotificationProblem): Record<string, unknown> {
  const status = STATUS[problem.code];
  return {
    type: `urn:govbridge:problem:${problem.code}`,
    title: TITLE[problem.code],
    status,
    ...(problem.detail ? { detail: problem.detail } : {}),
    code: problem.code,
  };
}
