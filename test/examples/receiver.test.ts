/**
 * The standalone example receiver (examples/receiver/receiver.ts) on a real port, with a real SQLite
 * file, against notifications built here as the hub sends them (test/support/tell-us-once.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createReceiver, type ReceivedEvent, type Receiver } from '../../examples/receiver/receiver.ts';
import {
  buildNotification,
  type NotificationOptions,
  notificationHeaders,
  SIGNATURE_TYP,
  signNotification,
  startHubKeys,
  type TestHubKeys,
} from '../support/tell-us-once.ts';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function agencyKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', {
    crv: 'P-256',
    extractable: true,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid },
    publicJwk: { ...publicJwk, kid, use: 'enc', alg: 'ECDH-ES+A256KW' },
  };
}

describe('the example receiver', () => {
  let hub: TestHubKeys;
  let key: { privateJwk: JWK; publicJwk: JWK };
  let databasePath: string;
  let receiver: Receiver;
  let url: string;
  const processed: ReceivedEvent[] = [];
  const logs: Record<string, unknown>[] = [];
  let failNext = false;

  async function start(privateJwks: JWK[] = [key.privateJwk]): Promise<void> {
    receiver = await createReceiver({
      agencyId: 'dwp',
      hubUrl: hub.url,
      privateJwks,
      databasePath,
      subscriptions: { 'moving-abroad': ['name', 'birthdate', 'date_of_move', 'to_country', 'new_address'] },
      log: (fields) => logs.push(fields),
      onEvent: (db: DatabaseSync, event) => {
        if (failNext) {
          failNext = false;
          throw new Error('the agency’s own system is down');
        }
        // The agency's own processing, in the same transaction as the de-duplication insert.
        db.exec('CREATE TABLE IF NOT EXISTS moves (report_id TEXT, to_country TEXT)');
        db.prepare('INSERT INTO moves VALUES (?, ?)').run(
          event.reportId,
          String(event.attributes['to_country']),
        );
        processed.push(event);
      },
    });
    url = `${await receiver.listen(0)}/notifications`;
  }

  const notification = (overrides: Partial<NotificationOptions> = {}) =>
    buildNotification({
      source: hub.source,
      recipient: 'dwp',
      encryptionJwk: key.publicJwk,
      attributes: {
        name: 'Priya Natarajan',
        date_of_move: '2026-03-01',
        to_country: 'SG',
        new_address: '5 Jalan Besar',
      },
      ...overrides,
    });

  async function send(
    id: string,
    body: string,
    headers: Record<string, string | undefined> = {},
  ): Promise<Answer> {
    const all: Record<string, string> = { ...(await notificationHeaders(hub, id, body)) };
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) delete all[name];
      else all[name] = value;
    }
    const res = await fetch(url, { method: 'POST', headers: all, body });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  before(async () => {
    hub = await startHubKeys();
    key = await agencyKey();
    databasePath = join(mkdtempSync(join(tmpdir(), 'govbridge-receiver-')), 'received.db');
    await start();
  });
  after(async () => {
    await receiver?.close();
    await hub?.close();
  });

  test('a new event: 202, processed once; the same again: 200, not processed again', async () => {
    const { id, body } = await notification();
    assert.deepEqual(await send(id, body), { status: 202, json: { status: 'accepted', id } });
    assert.deepEqual(await send(id, body), { status: 200, json: { status: 'duplicate', id } });
    assert.equal(processed.filter((e) => e.id === id).length, 1);
    const event = processed.find((e) => e.id === id)!;
    assert.equal(event.eventType, 'moving-abroad');
    assert.equal(event.reportId, 'rpt_123');
    assert.equal(event.attributes['name'], 'Priya Natarajan');
  });

  test('de-duplication survives a restart (it is in the database, not in memory)', async () => {
    const { id, body } = await notification();
    assert.equal((await send(id, body)).status, 202);
    await receiver.close();
    await start();
    assert.equal((await send(id, body)).status, 200);
    assert.equal(processed.filter((e) => e.id === id).length, 1);
  });

  test('the agency’s processing fails: 500, nothing recorded, and the hub’s retry is processed', async () => {
    const { id, body } = await notification();
    failNext = true;
    assert.equal((await send(id, body)).status, 500);
    assert.equal(processed.filter((e) => e.id === id).length, 0);
    assert.equal((await send(id, body)).status, 202);
    assert.equal(processed.filter((e) => e.id === id).length, 1);
  });

  test('refusals: problem+json, and nothing processed', async () => {
    const good = await notification();
    const other = await generateKeyPair('ES256');
    const signedBy = (key: CryptoKey | Uint8Array, header: Record<string, unknown>) => async () =>
      send(good.id, good.body, { 'govbridge-signature': await signNotification(good.body, key, header) });
    const sendBuilt = (options: Partial<NotificationOptions>) => async () => {
      const n = await notification(options);
      return send(n.id, n.body);
    };
    const cases: Array<[string, () => Promise<Answer>, number, string]> = [
      [
        'signed by another key',
        signedBy(other.privateKey, { alg: 'ES256', kid: hub.kid, typ: SIGNATURE_TYP }),
        401,
        'signature_invalid',
      ],
      [
        'HS256',
        signedBy(new Uint8Array(32), { alg: 'HS256', kid: hub.kid, typ: SIGNATURE_TYP }),
        401,
        'signature_invalid',
      ],
      [
        'a wrong typ',
        signedBy(hub.signingKey, { alg: 'ES256', kid: hub.kid, typ: 'JWT' }),
        401,
        'signature_invalid',
      ],
      [
        'a tampered body',
        async () => {
          const headers = await notificationHeaders(hub, good.id, good.body);
          const res = await fetch(url, {
            method: 'POST',
            headers,
            body: good.body.replace('rpt_123', 'rpt_999'),
          });
          return { status: res.status, json: (await res.json()) as Record<string, unknown> };
        },
        401,
        'signature_invalid',
      ],
      [
        'no signature',
        () => send(good.id, good.body, { 'govbridge-signature': undefined }),
        401,
        'signature_invalid',
      ],
      [
        // The JWKS was fetched moments ago: the kid cannot be looked up again yet (a rotation?), so "later".
        'an unknown kid, while the JWKS was just fetched',
        signedBy(other.privateKey, { alg: 'ES256', kid: 'other', typ: SIGNATURE_TYP }),
        503,
        'hub_keys_unavailable',
      ],
      ['for another agency', sendBuilt({ recipient: 'hmrc' }), 422, 'wrong_recipient'],
      ['a JWE with another alg', sendBuilt({ jweHeader: { alg: 'ECDH-ES' } }), 422, 'data_undecryptable'],
      [
        'a field not subscribed to',
        sendBuilt({ attributes: { name: 'X', email: 'x@example.com' } }),
        422,
        'data_not_entitled',
      ],
      [
        'an event type not subscribed to',
        sendBuilt({ eventType: 'death', attributes: {} }),
        422,
        'event_type_not_subscribed',
      ],
      ['malformed JSON', () => send('x', '{"specversion":'), 400, 'event_malformed'],
      [
        'another source',
        sendBuilt({ envelope: { source: 'https://elsewhere.example/notifications' } }),
        400,
        'event_malformed',
      ],
      [
        'an Idempotency-Key that is not the event id',
        () => send(good.id, good.body, { 'idempotency-key': '"ntf_other"' }),
        400,
        'idempotency_key_invalid',
      ],
      [
        'over 256 KiB',
        sendBuilt({ envelope: { padding: 'x'.repeat(300 * 1024) } }),
        413,
        'payload_too_large',
      ],
      [
        'another media type',
        () => send(good.id, good.body, { 'content-type': 'application/json' }),
        415,
        'unsupported_media_type',
      ],
    ];
    for (const [label, answer, status, code] of cases) {
      const res = await answer();
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json['code'], code, label);
    }
    assert.equal(processed.filter((e) => e.id === good.id).length, 0, 'nothing refused was processed');
  });

  test('key rotation: events to the old and the new key are both read while both are held', async () => {
    const next = await agencyKey();
    await receiver.close();
    await start([next.privateJwk, key.privateJwk]);
    const old = await notification();
    const fresh = await notification({ encryptionJwk: next.publicJwk });
    assert.equal((await send(old.id, old.body)).status, 202);
    assert.equal((await send(fresh.id, fresh.body)).status, 202);
  });

  test('logs carry ids and outcomes, never personal data', () => {
    const text = JSON.stringify(logs);
    assert.ok(text.includes('accepted'));
    assert.ok(!text.includes('Priya'));
    assert.ok(!text.includes('Jalan Besar'));
  });
});
