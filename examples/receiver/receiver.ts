/**
 * A small, complete Tell Us Once receiver: what an agency runs to take notifications from the
 * govbridge hub. Standalone on purpose — Node.js 24's `node:http` and `node:sqlite`, and `jose` —
 * so it can be read top to bottom and copied. The guide is docs/receiving-notifications.md.
 *
 *   AGENCY_ID=hmrc \
 *   HUB_URL=https://hub.example \
 *   AGENCY_PRIVATE_JWKS_FILE=./agency-keys.json \   # {"keys":[{ private P-256 JWK with kid }]}
 *   DATABASE_PATH=./received.db PORT=8080 \
 *   node examples/receiver/receiver.ts
 *
 * POST /notifications: verify the hub's signature, check the envelope, decrypt, record exactly once,
 * answer. Put it behind your TLS-terminating proxy: the hub sends only over https.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import {
  base64url,
  type CryptoKey,
  compactDecrypt,
  createRemoteJWKSet,
  customFetch,
  errors,
  flattenedVerify,
  importJWK,
  type JWK,
} from 'jose';

export interface ReceiverOptions {
  /** Your agency id in the hub's registry: events whose `govbridgerecipient` is not this are refused. */
  readonly agencyId: string;
  /** The hub's public URL: its keys are at `<hubUrl>/notifications/jwks.json`, its events' `source` is `<hubUrl>/notifications`. */
  readonly hubUrl: string;
  /**
   * Your private P-256 decryption keys, each with the `kid` you registered. More than one while you
   * rotate: the new one (registered at the hub) and the old one (for notifications already queued).
   */
  readonly privateJwks: readonly JWK[];
  /** SQLite file for the record of events received (the de-duplication table). */
  readonly databasePath: string;
  /**
   * Your own processing of a new event, run in the same transaction as the insert that records it:
   * either both happen or neither does. Throw to refuse for now (the hub retries after a 500).
   */
  readonly onEvent?: (db: DatabaseSync, event: ReceivedEvent) => void;
  /**
   * What you subscribed to at the hub: event type → the fields you are entitled to. When given, an
   * event of another type, or carrying any other field, is refused (422) and not kept.
   */
  readonly subscriptions?: Readonly<Record<string, readonly string[]>>;
  readonly log?: (fields: Record<string, unknown>) => void;
  /** Fetch for the hub's JWKS (tests); defaults to the global one. */
  readonly fetch?: typeof fetch;
}

export interface ReceivedEvent {
  readonly id: string;
  readonly eventType: string;
  readonly reportId: string;
  readonly time: string;
  readonly occurredOn?: string;
  /** Only the fields you are entitled to. Personal data: do not log it. */
  readonly attributes: Readonly<Record<string, string | readonly string[]>>;
}

export interface Receiver {
  readonly server: Server;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;
const TYPE = /^uk\.gov\.govbridge\.(death|birth|moving-abroad)\.v1$/;

/** An answer: 2xx (new or duplicate: the hub stops), or a problem (RFC 9457). */
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

const problem = (status: number, code: string, title: string): Answer => ({
  status,
  body: { type: `urn:govbridge:problem:${code}`, title, status, code },
  ...(status === 401 ? { headers: { 'www-authenticate': 'Govbridge-Signature' } } : {}),
  ...(status === 503 ? { headers: { 'retry-after': '30' } } : {}),
});

export async function createReceiver(options: ReceiverOptions): Promise<Receiver> {
  const hubUrl = options.hubUrl.replace(/\/+$/, '');
  const expectedSource = `${hubUrl}/notifications`;
  const log =
    options.log ?? ((fields) => console.log(JSON.stringify({ at: new Date().toISOString(), ...fields })));

  // The hub's signing keys, cached by kid; an unknown kid refetches (at most every 30 s).
  const hubKeys = createRemoteJWKSet(new URL(`${hubUrl}/notifications/jwks.json`), {
    timeoutDuration: 5_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    ...(options.fetch ? { [customFetch]: options.fetch } : {}),
  });

  const decryptionKeys = new Map<string, CryptoKey>();
  for (const jwk of options.privateJwks) {
    if (!jwk.kid) throw new Error('every private JWK needs the kid registered at the hub');
    const key = await importJWK(jwk, 'ECDH-ES+A256KW');
    if (!(key instanceof CryptoKey)) throw new Error('expected a private EC key');
    decryptionKeys.set(jwk.kid, key);
  }

  // Exactly once: the event id is the primary key; a second insert of the same id does nothing.
  const db = new DatabaseSync(options.databasePath, { timeout: 5_000 });
  db.exec(`PRAGMA journal_mode = WAL;
    CREATE TABLE IF NOT EXISTS received_events (
      event_id    TEXT PRIMARY KEY,
      event_type  TEXT NOT NULL,
      report_id   TEXT NOT NULL,
      received_at INTEGER NOT NULL
    )`);
  const insert = db.prepare(
    'INSERT INTO received_events (event_id, event_type, report_id, received_at) VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING',
  );

  async function receive(request: IncomingMessage): Promise<Answer> {
    // 1. Media type and size.
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/cloudevents+json') {
      return problem(415, 'unsupported_media_type', 'Send application/cloudevents+json');
    }
    const body = await readBody(request, MAX_BODY_BYTES);
    if (body === undefined) return problem(413, 'payload_too_large', 'The body is larger than 256 KiB');

    // 2. The signature: a detached JWS over the exact body bytes, ES256 only, by a hub key.
    const signature = /^([\w-]+)\.\.([\w-]+)$/.exec(String(request.headers['govbridge-signature'] ?? ''));
    if (!signature)
      return problem(401, 'signature_invalid', 'Govbridge-Signature is missing or not a detached JWS');
    // An unknown kid while the JWKS was fetched too recently to fetch again (30 s) is most likely a
    // key the hub has just rotated to: answer 503 so that it retries, rather than refuse for good.
    const couldNotRefetch = hubKeys.coolingDown;
    try {
      const { protectedHeader } = await flattenedVerify(
        { protected: signature[1]!, payload: base64url.encode(body), signature: signature[2]! },
        hubKeys,
        { algorithms: ['ES256'] },
      );
      if (protectedHeader?.typ !== 'govbridge-notification+jws' || protectedHeader.b64 !== undefined) {
        return problem(401, 'signature_invalid', 'The signature is not a govbridge notification signature');
      }
    } catch (cause) {
      if (cause instanceof errors.JWKSNoMatchingKey && couldNotRefetch) {
        return problem(
          503,
          'hub_keys_unavailable',
          'Unknown signing key; the hub’s keys are fetched again shortly',
        );
      }
      if (cause instanceof errors.JWKSTimeout || !(cause instanceof errors.JOSEError)) {
        return problem(503, 'hub_keys_unavailable', 'The hub’s keys cannot be fetched now; try again');
      }
      if (cause.code === 'ERR_JOSE_GENERIC' || cause.code === 'ERR_JWKS_INVALID') {
        return problem(503, 'hub_keys_unavailable', 'The hub’s keys cannot be fetched now; try again');
      }
      return problem(401, 'signature_invalid', 'The signature does not verify against the hub’s keys');
    }

    // 3. The envelope: a CloudEvent from this hub, for this agency.
    let event: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError();
      event = parsed as Record<string, unknown>;
    } catch {
      return problem(400, 'event_malformed', 'The body is not a JSON object');
    }
    const { id, type, subject, time, source, govbridgerecipient, datacontenttype, data } = event;
    if (
      event['specversion'] !== '1.0' ||
      !nonEmpty(id) ||
      !nonEmpty(subject) ||
      !nonEmpty(time) ||
      Number.isNaN(Date.parse(time)) ||
      typeof type !== 'string' ||
      !type.startsWith('uk.gov.govbridge.') ||
      source !== expectedSource ||
      !nonEmpty(govbridgerecipient)
    ) {
      return problem(400, 'event_malformed', 'The body is not a CloudEvent from this hub');
    }
    if (request.headers['idempotency-key'] !== `"${id.replace(/["\\]/g, '\\$&')}"`) {
      return problem(400, 'idempotency_key_invalid', 'Idempotency-Key must be the quoted event id');
    }
    if (govbridgerecipient !== options.agencyId) {
      return problem(422, 'wrong_recipient', 'The event is addressed to another agency');
    }
    const eventType = TYPE.exec(type)?.[1];
    const entitled = eventType ? options.subscriptions?.[eventType] : undefined;
    if (!eventType || (options.subscriptions && !entitled)) {
      return problem(422, 'event_type_not_subscribed', 'This agency does not take this event type');
    }

    // 4. The data: a JWE to our key (ECDH-ES+A256KW, A256GCM only), or JSON without personal data.
    let contents: Record<string, unknown>;
    if (datacontenttype === 'application/jose' && typeof data === 'string') {
      try {
        const { plaintext } = await compactDecrypt(
          data,
          (header) => {
            const key = header.kid ? decryptionKeys.get(header.kid) : undefined;
            if (!key) throw new errors.JWEDecryptionFailed();
            return key;
          },
          { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] },
        );
        contents = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
      } catch {
        return problem(422, 'data_undecryptable', 'The data cannot be decrypted with this agency’s keys');
      }
    } else if (datacontenttype === 'application/json' && typeof data === 'object' && data !== null) {
      contents = data as Record<string, unknown>;
      if (Object.keys((contents['attributes'] as object | undefined) ?? {}).length > 0) {
        return problem(422, 'data_invalid', 'Personal data must be encrypted');
      }
    } else {
      return problem(400, 'event_malformed', 'datacontenttype and data do not match');
    }
    const attributes = (contents['attributes'] ?? {}) as ReceivedEvent['attributes'];
    if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
      return problem(422, 'data_invalid', 'attributes must be an object');
    }
    if (entitled && Object.keys(attributes).some((field) => !entitled.includes(field))) {
      return problem(422, 'data_not_entitled', 'The data holds fields this agency is not entitled to');
    }
    if (
      (contents['eventType'] !== undefined && contents['eventType'] !== eventType) ||
      (contents['reportId'] !== undefined && contents['reportId'] !== subject)
    ) {
      return problem(422, 'data_invalid', 'The data does not match the event');
    }

    // 5. Record it exactly once, with our own processing, in one transaction.
    const received: ReceivedEvent = {
      id,
      eventType,
      reportId: subject,
      time,
      ...(typeof contents['occurredOn'] === 'string' ? { occurredOn: contents['occurredOn'] } : {}),
      attributes,
    };
    db.exec('BEGIN IMMEDIATE');
    try {
      const { changes } = insert.run(id, eventType, subject, Date.now());
      if (Number(changes) === 0) {
        db.exec('COMMIT');
        log({ event: 'duplicate', eventId: id, eventType });
        return { status: 200, body: { status: 'duplicate', id } };
      }
      options.onEvent?.(db, received);
      db.exec('COMMIT');
    } catch (cause) {
      db.exec('ROLLBACK');
      log({ event: 'processing_failed', eventId: id, eventType, error: (cause as Error)?.name });
      return problem(500, 'server_error', 'The event could not be recorded; send it again later');
    }
    log({ event: 'accepted', eventId: id, eventType });
    return { status: 202, body: { status: 'accepted', id } };
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://receiver.invalid').pathname;
    const answered =
      path !== '/notifications'
        ? Promise.resolve(problem(404, 'not_found', 'Not found'))
        : request.method !== 'POST'
          ? Promise.resolve({
              ...problem(405, 'method_not_allowed', 'POST only'),
              headers: { allow: 'POST' },
            })
          : receive(request);
    answered
      .catch((cause: unknown) => {
        log({ event: 'error', error: (cause as Error)?.name });
        return problem(500, 'server_error', 'Internal error');
      })
      .then((answer) => {
        if (answer.status >= 400) log({ event: 'refused', status: answer.status, code: answer.body['code'] });
        const type = answer.status >= 400 ? 'application/problem+json' : 'application/json';
        // A refused body may not have been read to the end: close the connection after answering.
        const close = request.complete ? {} : { connection: 'close' };
        response.writeHead(answer.status, {
          'content-type': type,
          'cache-control': 'no-store',
          ...close,
          ...answer.headers,
        });
        response.end(JSON.stringify(answer.body));
      });
  });

  return {
    server,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve) => {
        server.listen(port, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`));
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          db.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** The body, or undefined when it is over `limit` bytes (declared or actual). */
async function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  if (Number(request.headers['content-length'] ?? 0) > limit) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 200;
}

if (import.meta.main) {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const jwks = JSON.parse(readFileSync(env('AGENCY_PRIVATE_JWKS_FILE'), 'utf8')) as { keys: JWK[] };
  const receiver = await createReceiver({
    agencyId: env('AGENCY_ID'),
    hubUrl: env('HUB_URL'),
    privateJwks: jwks.keys,
    databasePath: process.env['DATABASE_PATH'] ?? 'received.db',
  });
  const url = await receiver.listen(Number(process.env['PORT'] ?? 8080), process.env['HOST'] ?? '127.0.0.1');
  console.log(`Receiving Tell Us Once notifications at ${url}/notifications`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void receiver.close());
}
