import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  base64url,
  compactDecrypt,
  exportJWK,
  flattenedVerify,
  generateKeyPair,
  type JWK,
  type KeyObject,
} from 'jose';

/**
 * A test agency: an HTTP receiver that does what docs/receiving-notifications.md asks — verify the
 * detached signature with the hub's public key, check the recipient, decrypt, drop duplicates by the
 * event id — and lets a test script its answers (status, delay, Retry-After) per request.
 */
export interface ReceivedEvent {
  id: string;
  type: string;
  subject: string;
  recipient: string;
  attributes: Record<string, unknown>;
  occurredOn: string;
}

export interface Answer {
  status?: number;
  delayMs?: number;
  headers?: Record<string, string>;
  /** Drop the connection without an answer. */
  destroy?: boolean;
}

export interface TestReceiver {
  url: string;
  agencyId: string;
  publicJwk: JWK & { kid: string };
  /** Unique events processed, in arrival order. */
  events: ReceivedEvent[];
  /** Every POST, duplicates included. */
  requests: number;
  duplicates: number;
  rejected: Array<{ status: number; reason: string }>;
  /** Decide the answer to the n-th request (1-based); default: process and answer 200. */
  script: (n: number, id: string) => Answer | undefined;
  close(): Promise<void>;
}

export async function keyPair(): Promise<{ privateKey: KeyObject | CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', {
    crv: 'P-256',
    extractable: true,
  });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

export async function startReceiver(options: {
  agencyId: string;
  hubPublicJwk: JWK;
  port?: number;
}): Promise<TestReceiver> {
  const { privateKey, publicJwk } = await keyPair();
  const seen = new Set<string>();
  const receiver: TestReceiver = {
    url: '',
    agencyId: options.agencyId,
    publicJwk: { ...publicJwk, kid: `${options.agencyId}-enc-1` },
    events: [],
    requests: 0,
    duplicates: 0,
    rejected: [],
    script: () => undefined,
    close: async () => {},
  };
  const hubKey = options.hubPublicJwk;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    receiver.requests++;
    const reject = (status: number, reason: string) => {
      receiver.rejected.push({ status, reason });
      res
        .writeHead(status, { 'content-type': 'application/problem+json' })
        .end(JSON.stringify({ title: reason }));
    };
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return reject(400, 'malformed');
    }
    const answer = receiver.script(receiver.requests, String(event['id']));
    if (answer?.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (answer?.destroy) {
      req.socket.destroy();
      return;
    }
    if (answer?.status && answer.status !== 200) {
      res.writeHead(answer.status, answer.headers ?? {}).end();
      return;
    }
    const signature = String(req.headers['govbridge-signature'] ?? '');
    const [protectedHeader, empty, sig] = signature.split('.');
    if (empty !== '' || !protectedHeader || !sig) return reject(401, 'no detached signature');
    try {
      await flattenedVerify(
        { protected: protectedHeader, payload: base64url.encode(body), signature: sig },
        hubKey,
        {
          algorithms: ['ES256'],
        },
      );
    } catch {
      return reject(401, 'bad signature');
    }
    if (req.headers['idempotency-key'] !== `"${event['id']}"`) return reject(400, 'idempotency key mismatch');
    if (event['govbridgerecipient'] !== options.agencyId) return reject(422, 'not for us');
    let plain: { attributes: Record<string, unknown>; occurredOn: string };
    try {
      const { plaintext } = await compactDecrypt(String(event['data']), privateKey, {
        keyManagementAlgorithms: ['ECDH-ES+A256KW'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      plain = JSON.parse(new TextDecoder().decode(plaintext));
    } catch {
      return reject(422, 'cannot decrypt');
    }
    const id = String(event['id']);
    if (seen.has(id)) {
      receiver.duplicates++;
    } else {
      seen.add(id);
      receiver.events.push({
        id,
        type: String(event['type']),
        subject: String(event['subject']),
        recipient: String(event['govbridgerecipient']),
        attributes: plain.attributes,
        occurredOn: plain.occurredOn,
      });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"accepted"}');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
