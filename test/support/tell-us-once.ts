import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CompactEncrypt,
  type CryptoKey,
  exportJWK,
  FlattenedSign,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';

/**
 * Tell Us Once notifications built the way the hub sends them (docs/receiving-notifications.md), for
 * testing receivers: a CloudEvent whose data is a compact JWE (ECDH-ES+A256KW, A256GCM) to the
 * agency's key, signed with a detached ES256 JWS over the exact body bytes, and a tiny http server on
 * loopback publishing the hub's JWKS at `/notifications/jwks.json`.
 */
export const SIGNATURE_TYP = 'govbridge-notification+jws';

export interface TestHubKeys {
  /** The stand-in hub's public URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly jwksUrl: string;
  /** The CloudEvents `source` the hub signs. */
  readonly source: string;
  /** The active signing key's kid and private key (they change on `rotate()`). */
  readonly kid: string;
  readonly signingKey: CryptoKey;
  /** How many times the JWKS was fetched. */
  jwksFetches(): number;
  /** As the hub's key rotation does: publish a new key and sign with it at once; the old one stays published. */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

export async function startHubKeys(kid = 'hub-notify-1'): Promise<TestHubKeys> {
  const published: JWK[] = [];
  let active = { kid, signingKey: undefined as unknown as CryptoKey };
  const addKey = async (newKid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    published.unshift({ ...(await exportJWK(publicKey)), kid: newKid, alg: 'ES256', use: 'sig' });
    active = { kid: newKid, signingKey: privateKey };
  };
  await addKey(kid);
  let fetches = 0;
  let rotations = 0;
  const server: Server = createServer((req, res) => {
    if (req.url === '/notifications/jwks.json') {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: published }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUrl: `${url}/notifications/jwks.json`,
    source: `${url}/notifications`,
    get kid() {
      return active.kid;
    },
    get signingKey() {
      return active.signingKey;
    },
    jwksFetches: () => fetches,
    rotate: () => addKey(`${kid}-r${++rotations}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface NotificationOptions {
  readonly source: string;
  readonly recipient: string;
  /** The agency's public encryption key (with `kid`). */
  readonly encryptionJwk: JWK;
  readonly eventType?: 'death' | 'birth' | 'moving-abroad';
  readonly id?: string;
  readonly reportId?: string;
  readonly occurredOn?: string;
  readonly attributes: Readonly<Record<string, string | readonly string[]>>;
  /** CloudEvent attributes to add or replace (undefined removes one). */
  readonly envelope?: Readonly<Record<string, unknown>>;
  /** JWE protected-header overrides (another alg or enc). */
  readonly jweHeader?: Readonly<Record<string, string>>;
}

let counter = 0;

/** A fresh notification id, `ntf_…`. */
export function notificationId(): string {
  return `ntf_test_${Date.now().toString(36)}_${++counter}`;
}

/** The body of a notification (its exact bytes, as a string) and its id. */
export async function buildNotification(options: NotificationOptions): Promise<{ id: string; body: string }> {
  const eventType = options.eventType ?? 'moving-abroad';
  const id = options.id ?? notificationId();
  const reportId = options.reportId ?? 'rpt_123';
  const plaintext = JSON.stringify({
    eventType,
    reportId,
    occurredOn: options.occurredOn ?? '2026-01-15',
    attributes: options.attributes,
  });
  const header = {
    alg: 'ECDH-ES+A256KW',
    enc: 'A256GCM',
    cty: 'application/json',
    ...(options.encryptionJwk.kid ? { kid: options.encryptionJwk.kid } : {}),
    ...options.jweHeader,
  };
  const jwe = await new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader(header)
    .encrypt(await importJWK(options.encryptionJwk, header.alg));
  const event = {
    specversion: '1.0',
    id,
    source: options.source,
    type: `uk.gov.govbridge.${eventType}.v1`,
    subject: reportId,
    time: '2026-01-16T09:30:00Z',
    govbridgerecipient: options.recipient,
    datacontenttype: 'application/jose',
    data: jwe,
    ...options.envelope,
  };
  return { id, body: JSON.stringify(event) };
}

/** `Govbridge-Signature`: a detached JWS (RFC 7515 Appendix F) over the exact body bytes. */
export async function signNotification(
  body: string | Uint8Array,
  key: CryptoKey | Uint8Array,
  header: Readonly<Record<string, unknown>>,
): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const jws = await new FlattenedSign(bytes).setProtectedHeader({ ...header }).sign(key);
  return `${jws.protected}..${jws.signature}`;
}

/** The headers the hub sends with a notification. */
export async function notificationHeaders(
  hub: TestHubKeys,
  id: string,
  body: string,
): Promise<Record<string, string>> {
  return {
    'content-type': 'application/cloudevents+json; charset=utf-8',
    'idempotency-key': `"${id}"`,
    'govbridge-signature': await signNotification(body, hub.signingKey, {
      alg: 'ES256',
      kid: hub.kid,
      typ: SIGNATURE_TYP,
    }),
  };
}
