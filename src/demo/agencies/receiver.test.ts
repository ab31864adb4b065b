/**
 * The demo agencies' Tell Us Once endpoint, over HTTP (`app.inject`), against a real database
 * (SQLite, or PostgreSQL when DATABASE_URL is set) and a real JWKS served by a tiny http server on
 * loopback. Every notification is built here with jose exactly as the wire format says: a
 * CloudEvent whose data is a compact JWE to the agency's key, signed with a detached ES256 JWS.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, mock, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type CryptoKey, generateKeyPair, type JWK } from 'jose';
import { openTestStorage, testDialect } from '../../../test/support/storage.ts';
import {
  buildNotification,
  notificationId,
  SIGNATURE_TYP,
  signNotification,
  startHubKeys,
  type TestHubKeys,
} from '../../../test/support/tell-us-once.ts';
import type { Storage } from '../../storage/index.ts';
import { type AgencyRegistration, createDemoAgencies, type DemoAgencies } from './index.ts';

const SECRET = 'a-demo-agency-secret-of-at-least-32-characters';
const PUBLIC_URL = 'http://127.0.0.1:3000';

interface EventOptions {
  agency?: string;
  eventType?: 'death' | 'birth' | 'moving-abroad';
  id?: string;
  attributes?: Record<string, string | string[]>;
  envelope?: Record<string, unknown>;
  /** JWE header overrides (e.g. another alg). */
  jweHeader?: Record<string, string>;
  /** Encrypt to this key instead of the agency's. */
  encryptTo?: JWK;
}

const movingAbroad = {
  name: 'Aisha Rahman',
  birthdate: '1988-07-02',
  date_of_move: '2026-01-15',
  from_country: 'GB',
  to_country: 'SG',
  previous_address: '10 Downing Lane, Leeds LS1 4AB',
  new_address: '1 Orchard Road, #10-01, Singapore 238801',
};

const nextId = notificationId;

describe(`demo agencies receive Tell Us Once notifications (${testDialect()})`, () => {
  let storage: Storage;
  let hub: TestHubKeys;
  let agencies: DemoAgencies;
  let app: FastifyInstance;
  const logLines: string[] = [];

  const registration = (agencyId: string): AgencyRegistration => {
    const found = agencies.registrations.find((r) => r.agencyId === agencyId);
    assert.ok(found, agencyId);
    return found;
  };

  /** The body (exact bytes) of a CloudEvent with JWE data, as the hub makes it. */
  async function eventBody(options: EventOptions = {}): Promise<{ id: string; body: string }> {
    const agency = options.agency ?? 'hmrc';
    return buildNotification({
      source: hub.source,
      recipient: agency,
      encryptionJwk: options.encryptTo ?? registration(agency).encryptionJwk,
      eventType: options.eventType ?? 'moving-abroad',
      attributes: options.attributes ?? movingAbroad,
      ...(options.id ? { id: options.id } : {}),
      ...(options.envelope ? { envelope: options.envelope } : {}),
      ...(options.jweHeader ? { jweHeader: options.jweHeader } : {}),
    });
  }

  const sign = (
    body: string,
    header: Record<string, unknown> = { alg: 'ES256', kid: hub.kid, typ: SIGNATURE_TYP },
    key: CryptoKey | Uint8Array = hub.signingKey,
  ): Promise<string> => signNotification(body, key, header);

  async function post(
    agencyId: string,
    body: string | Buffer,
    headers: Record<string, string | undefined> = {},
  ): Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }> {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    let id: string | undefined;
    try {
      id = (JSON.parse(text) as { id?: string }).id;
    } catch {}
    const all: Record<string, string> = {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      ...(id !== undefined ? { 'idempotency-key': `"${id}"` } : {}),
      'govbridge-signature': await sign(text),
    };
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) delete all[name];
      else all[name] = value;
    }
    const res = await app.inject({
      method: 'POST',
      url: `/demo/agencies/${agencyId}/notifications`,
      payload: body,
      headers: all,
    });
    return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : {}, headers: res.headers };
  }

  async function stored(agencyId: string, eventId: string): Promise<number> {
    const rows = await storage.db
      .selectFrom('demo_agency_inbox')
      .select('event_id')
      .where('agency_id', '=', agencyId)
      .where('event_id', '=', eventId)
      .execute();
    return rows.length;
  }

  function assertProblem(
    res: { status: number; json: Record<string, unknown>; headers: Record<string, unknown> },
    status: number,
    code: string,
  ) {
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    assert.equal(res.json['status'], status);
    assert.equal(res.json['code'], code);
    assert.equal(res.json['type'], `urn:govbridge:problem:${code}`);
  }

  before(async () => {
    storage = await openTestStorage();
    hub = await startHubKeys();
    agencies = await createDemoAgencies({
      publicUrl: PUBLIC_URL,
      hubJwksUrl: hub.jwksUrl,
      secret: SECRET,
      db: storage.db,
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = Fastify({ logger: { level: 'trace', stream: sink } });
    await app.register(agencies.plugin, { prefix: '/demo/agencies' });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await hub?.close();
    await storage?.close();
  });

  test('registrations: nine agencies, derived keys, endpoints, minimised subscriptions', async () => {
    const ids = agencies.registrations.map((r) => r.agencyId);
    assert.deepEqual(ids, ['hmrc', 'dwp', 'dvla', 'hmpo', 'local_council', 'ica', 'iras', 'cpf', 'mom']);
    for (const r of agencies.registrations) {
      assert.match(r.agencyId, /^[a-z0-9_]{2,32}$/);
      assert.match(r.name, /\(demo\)$/);
      assert.equal(r.endpoint, `${PUBLIC_URL}/demo/agencies/${r.agencyId}/notifications`);
      assert.match(r.website, /^https:\/\//);
      assert.equal(
        r.environment,
        r.country === 'SG' ? 'sg-gcc' : r.agencyId === 'hmpo' ? 'uk-accredited' : 'uk-public-cloud',
      );
      const { kty, crv, use, alg, kid, d } = r.encryptionJwk;
      assert.deepEqual(
        { kty, crv, use, alg, d },
        { kty: 'EC', crv: 'P-256', use: 'enc', alg: 'ECDH-ES+A256KW', d: undefined },
      );
      assert.ok(kid);
      assert.ok(r.subscriptions.length > 0);
    }
    assert.equal(
      new Set(agencies.registrations.map((r) => r.encryptionJwk.kid)).size,
      9,
      'one key per agency',
    );
    assert.deepEqual(registration('mom').subscriptions, [
      {
        eventType: 'moving-abroad',
        attributes: ['name', 'birthdate', 'nationalities', 'date_of_move', 'to_country'],
      },
    ]);

    // Another process (or a restart) with the same secret derives the same keys; another secret does not.
    const again = await createDemoAgencies({
      publicUrl: PUBLIC_URL,
      hubJwksUrl: hub.jwksUrl,
      secret: SECRET,
      db: storage.db,
    });
    assert.deepEqual(again.registrations, agencies.registrations);
    const other = await createDemoAgencies({
      publicUrl: PUBLIC_URL,
      hubJwksUrl: hub.jwksUrl,
      secret: `${SECRET}!`,
      db: storage.db,
    });
    assert.notEqual(other.registrations[0]!.encryptionJwk.kid, agencies.registrations[0]!.encryptionJwk.kid);
  });

  test('bad options are refused', async () => {
    const base = {
      publicUrl: PUBLIC_URL,
      hubJwksUrl: hub.jwksUrl,
      secret: SECRET,
      db: storage.db,
    };
    await assert.rejects(createDemoAgencies({ ...base, secret: 'short' }), /secret must be at least 32/);
    await assert.rejects(
      createDemoAgencies({ ...base, hubJwksUrl: 'http://hub.example/notifications/jwks.json' }),
      /https/,
    );
    await assert.rejects(createDemoAgencies({ ...base, hubJwksUrl: 'not a url' }), /absolute URL/);
    await assert.rejects(createDemoAgencies({ ...base, publicUrl: 'ftp://x' }), /http/);
    const wrong = Fastify();
    await wrong
      .register(agencies.plugin, { prefix: '/elsewhere' })
      .ready()
      .then(
        () => assert.fail('expected the prefix to be refused'),
        (e: unknown) => assert.match(String(e), /register the agencies plugin/),
      );
  });

  test('a signed, encrypted notification is accepted, recorded and shown; pages are not cached', async () => {
    const { id, body } = await eventBody();
    const res = await post('hmrc', body);
    assert.equal(res.status, 202);
    assert.deepEqual(res.json, { status: 'accepted', id });
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(await stored('hmrc', id), 1);

    const page = await app.inject({ url: '/demo/agencies/hmrc' });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(page.body, /HM Revenue and Customs \(demo\)/);
    assert.match(page.body, /Aisha Rahman/);
    assert.match(page.body, /rpt_123/);
    assert.match(page.body, new RegExp(id));
    assert.match(page.body, /Singapore \(SG\)/);
    assert.match(page.body, /2 July 1988/);
    assert.match(page.body, /1 Orchard Road, #10-01, Singapore 238801/);
    assert.doesNotMatch(page.body, /<script(?![^>]*\ssrc=)/, 'no inline script');

    const list = await app.inject({ url: '/demo/agencies' });
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /<h2 class="govuk-heading-l">United Kingdom<\/h2>/);
    assert.match(list.body, /<h2 class="govuk-heading-l">Singapore<\/h2>/);
    assert.match(list.body, /Ministry of Manpower \(demo\)/);
  });

  test('the attributes are sealed at rest', async () => {
    const { id, body } = await eventBody({
      agency: 'dvla',
      attributes: { name: 'Sealed Person', birthdate: '1970-01-01' },
    });
    assert.equal((await post('dvla', body)).status, 202);
    const row = await storage.db
      .selectFrom('demo_agency_inbox')
      .selectAll()
      .where('agency_id', '=', 'dvla')
      .where('event_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.doesNotMatch(row.attributes_sealed, /Sealed Person/);
    assert.match(row.attributes_sealed, /^v1\./);
  });

  test('a duplicate is answered 200 and recorded once; the page says duplicates were dropped', async () => {
    const { id, body } = await eventBody({
      agency: 'dwp',
      attributes: { name: 'Dup Licate', date_of_move: '2026-01-15' },
    });
    assert.equal((await post('dwp', body)).status, 202);
    const again = await post('dwp', body);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, { status: 'duplicate', id });
    assert.equal(await stored('dwp', id), 1);
    const page = await app.inject({ url: '/demo/agencies/dwp' });
    assert.match(page.body, /1 duplicate delivery was dropped/);
    assert.equal(page.body.match(/Dup Licate/g)?.length, 1);
    const list = await app.inject({ url: '/demo/agencies' });
    assert.match(list.body, /1 \(1 duplicate delivery dropped\)/);
  });

  test('concurrent deliveries of one event: exactly one is new', async () => {
    const { id, body } = await eventBody({ agency: 'iras', attributes: { name: 'Con Current' } });
    const results = await Promise.all(Array.from({ length: 6 }, () => post('iras', body)));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 202]);
    assert.equal(await stored('iras', id), 1);
    const row = await storage.db
      .selectFrom('demo_agency_inbox')
      .select('duplicates')
      .where('agency_id', '=', 'iras')
      .where('event_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(row.duplicates), 5);
  });

  test('the same event id at two agencies is two notifications', async () => {
    const id = nextId();
    const a = await eventBody({ agency: 'ica', id, attributes: { name: 'Two Places' } });
    const b = await eventBody({ agency: 'cpf', id, attributes: { name: 'Two Places' } });
    assert.equal((await post('ica', a.body)).status, 202);
    assert.equal((await post('cpf', b.body)).status, 202);
  });

  describe('refused, with problem+json, and nothing recorded', () => {
    test('a signature by another key under the hub kid: 401', async () => {
      const { id, body } = await eventBody();
      const { privateKey } = await generateKeyPair('ES256');
      const res = await post('hmrc', body, {
        'govbridge-signature': await sign(body, undefined, privateKey),
      });
      assertProblem(res, 401, 'signature_invalid');
      assert.equal(res.headers['www-authenticate'], 'Govbridge-Signature');
      assert.equal(await stored('hmrc', id), 0);
    });

    test('no signature, or not a detached JWS: 401', async () => {
      const { id, body } = await eventBody();
      assertProblem(await post('hmrc', body, { 'govbridge-signature': undefined }), 401, 'signature_invalid');
      const attached = (await sign(body)).replace('..', `.${Buffer.from(body).toString('base64url')}.`);
      assertProblem(await post('hmrc', body, { 'govbridge-signature': attached }), 401, 'signature_invalid');
      assert.equal(await stored('hmrc', id), 0);
    });

    test('HS256 (even with a key the receiver could hold) and alg none: 401', async () => {
      const { id, body } = await eventBody();
      const hs = await sign(body, { alg: 'HS256', kid: hub.kid, typ: SIGNATURE_TYP }, new Uint8Array(32));
      assertProblem(await post('hmrc', body, { 'govbridge-signature': hs }), 401, 'signature_invalid');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: hub.kid, typ: SIGNATURE_TYP })).toString('base64url')}..`;
      assertProblem(await post('hmrc', body, { 'govbridge-signature': none }), 401, 'signature_invalid');
      const es384 = `${Buffer.from(JSON.stringify({ alg: 'ES384', kid: hub.kid, typ: SIGNATURE_TYP })).toString('base64url')}..AAAA`;
      assertProblem(await post('hmrc', body, { 'govbridge-signature': es384 }), 401, 'signature_invalid');
      assert.equal(await stored('hmrc', id), 0);
    });

    test('a wrong typ, or b64/crit in the header: 401', async () => {
      const { id, body } = await eventBody();
      const jwt = await sign(body, { alg: 'ES256', kid: hub.kid, typ: 'JWT' });
      assertProblem(await post('hmrc', body, { 'govbridge-signature': jwt }), 401, 'signature_invalid');
      const b64 = await sign(body, {
        alg: 'ES256',
        kid: hub.kid,
        typ: SIGNATURE_TYP,
        b64: true,
        crit: ['b64'],
      });
      assertProblem(await post('hmrc', body, { 'govbridge-signature': b64 }), 401, 'signature_invalid');
      assert.equal(await stored('hmrc', id), 0);
    });

    test('a body changed after signing: 401', async () => {
      const { id, body } = await eventBody();
      const signature = await sign(body);
      const tampered = body.replace('"subject":"rpt_123"', '"subject":"rpt_999"');
      assert.notEqual(tampered, body);
      assertProblem(
        await post('hmrc', tampered, { 'govbridge-signature': signature }),
        401,
        'signature_invalid',
      );
      // Insignificant whitespace counts too: the signature is over the exact bytes.
      assertProblem(
        await post('hmrc', `${body} `, { 'govbridge-signature': signature }),
        401,
        'signature_invalid',
      );
      assert.equal(await stored('hmrc', id), 0);
    });

    test('an event for another agency: 422', async () => {
      const { id, body } = await eventBody({ agency: 'dwp' });
      assertProblem(await post('hmrc', body), 422, 'wrong_recipient');
      assert.equal(await stored('hmrc', id), 0);
      assert.equal(await stored('dwp', id), 0);
    });

    test('data encrypted to another agency’s key: 422', async () => {
      const { id, body } = await eventBody({ agency: 'hmrc', encryptTo: registration('dwp').encryptionJwk });
      assertProblem(await post('hmrc', body), 422, 'data_undecryptable');
      assert.equal(await stored('hmrc', id), 0);
    });

    test('a JWE with another alg or enc: 422', async () => {
      const headers: Record<string, string>[] = [
        { alg: 'ECDH-ES' },
        { alg: 'ECDH-ES+A128KW' },
        { enc: 'A128GCM' },
        { enc: 'A256CBC-HS512' },
      ];
      for (const jweHeader of headers) {
        const { id, body } = await eventBody({ jweHeader });
        assertProblem(await post('hmrc', body), 422, 'data_undecryptable');
        assert.equal(await stored('hmrc', id), 0);
      }
    });

    test('malformed JSON, or not a govbridge CloudEvent: 400', async () => {
      assertProblem(await post('hmrc', '{"specversion":"1.0",'), 400, 'event_malformed');
      assertProblem(await post('hmrc', '[1,2]'), 400, 'event_malformed');
      for (const envelope of [
        { specversion: '0.3' },
        { id: '' },
        { time: 'yesterday' },
        { source: 'https://elsewhere.example/notifications' },
        { type: 'com.example.death.v1' },
        { datacontenttype: 'text/plain' },
        { data: 42 },
        { govbridgerecipient: undefined },
      ]) {
        const { id, body } = await eventBody({ envelope });
        const res = await post('hmrc', body);
        assertProblem(res, 400, 'event_malformed');
        assert.equal(await stored('hmrc', id), 0, JSON.stringify(envelope));
      }
    });

    test('an Idempotency-Key missing, unquoted or not the event id: 400', async () => {
      const { id, body } = await eventBody();
      for (const key of [undefined, id, '"ntf_other"']) {
        assertProblem(await post('hmrc', body, { 'idempotency-key': key }), 400, 'idempotency_key_invalid');
      }
      assert.equal(await stored('hmrc', id), 0);
    });

    test('a body over 256 KiB: 413', async () => {
      const { body } = await eventBody({ envelope: { padding: 'x'.repeat(300 * 1024) } });
      assertProblem(await post('hmrc', body), 413, 'payload_too_large');
    });

    test('not application/cloudevents+json: 415', async () => {
      const { id, body } = await eventBody();
      assertProblem(
        await post('hmrc', body, { 'content-type': 'application/json' }),
        415,
        'unsupported_media_type',
      );
      assertProblem(
        await post('hmrc', body, { 'content-type': 'application/cloudevents+json; charset=iso-8859-1' }),
        415,
        'unsupported_media_type',
      );
      assertProblem(await post('hmrc', body, { 'content-type': undefined }), 415, 'unsupported_media_type');
      assert.equal(await stored('hmrc', id), 0);
    });

    test('an event type the agency does not take, or an unknown version: 422', async () => {
      const hmpo = await eventBody({ agency: 'hmpo', eventType: 'moving-abroad', attributes: { name: 'X' } });
      assertProblem(await post('hmpo', hmpo.body), 422, 'event_type_not_subscribed');
      const v2 = await eventBody({ envelope: { type: 'uk.gov.govbridge.moving-abroad.v2' } });
      assertProblem(await post('hmrc', v2.body), 422, 'event_type_not_subscribed');
      assert.equal(await stored('hmpo', hmpo.id), 0);
    });

    test('more than the agency is entitled to, or data that contradicts the envelope: 422', async () => {
      const extra = await eventBody({
        agency: 'hmpo',
        eventType: 'death',
        attributes: { deceased_name: 'A Person', informant_email: 'someone@example.com' },
      });
      assertProblem(await post('hmpo', extra.body), 422, 'data_not_entitled');
      assert.equal(await stored('hmpo', extra.id), 0);
      const mismatch = await eventBody({ envelope: { subject: 'rpt_other' } });
      assertProblem(await post('hmrc', mismatch.body), 422, 'data_invalid');
      const badValue = await eventBody({ attributes: { name: 42 } as unknown as Record<string, string> });
      assertProblem(await post('hmrc', badValue.body), 422, 'data_invalid');
    });

    test('plain JSON data with personal data in it: 422; without, accepted', async () => {
      const withData = await eventBody({
        envelope: {
          datacontenttype: 'application/json',
          data: { eventType: 'moving-abroad', attributes: { name: 'Plain' } },
        },
      });
      assertProblem(await post('hmrc', withData.body), 422, 'data_invalid');
      assert.equal(await stored('hmrc', withData.id), 0);
      const without = await eventBody({
        envelope: {
          datacontenttype: 'application/json',
          data: { eventType: 'moving-abroad', reportId: 'rpt_123' },
        },
      });
      assert.equal((await post('hmrc', without.body)).status, 202);
      assert.equal(await stored('hmrc', without.id), 1);
    });

    test('an unknown agency: 404 problem for the endpoint, the GOV.UK 404 page for its page', async () => {
      const { body } = await eventBody({
        agency: 'nobody' as string,
        encryptTo: registration('hmrc').encryptionJwk,
      });
      assertProblem(await post('nobody', body), 404, 'unknown_agency');
      const page = await app.inject({ url: '/demo/agencies/nobody' });
      assert.equal(page.statusCode, 404);
      assert.match(page.body, /<h1 class="govuk-heading-l">Page not found<\/h1>/);
    });
  });

  test('the hub’s JWKS unreachable: 503 with Retry-After, so the hub tries again', async () => {
    const down = await createDemoAgencies({
      publicUrl: PUBLIC_URL,
      hubJwksUrl: 'http://127.0.0.1:9/notifications/jwks.json',
      secret: SECRET,
      db: storage.db,
    });
    const other = Fastify();
    await other.register(down.plugin);
    const { id, body } = await eventBody();
    const res = await other.inject({
      method: 'POST',
      url: '/demo/agencies/hmrc/notifications',
      payload: body,
      headers: {
        'content-type': 'application/cloudevents+json',
        'idempotency-key': `"${id}"`,
        'govbridge-signature': await sign(body),
      },
    });
    await other.close();
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '30');
    assert.equal(JSON.parse(res.body).code, 'hub_keys_unavailable');
    assert.equal(await stored('hmrc', id), 0);
  });

  /** The agencies on a fresh Fastify app: their own JWKS cache, not yet fetched. */
  async function freshAgencies(): Promise<FastifyInstance> {
    const fresh = await createDemoAgencies({
      publicUrl: PUBLIC_URL,
      hubJwksUrl: hub.jwksUrl,
      secret: SECRET,
      db: storage.db,
    });
    const other = Fastify();
    await other.register(fresh.plugin);
    return other;
  }

  async function postTo(target: FastifyInstance, body: string, id: string, signature: string) {
    const res = await target.inject({
      method: 'POST',
      url: '/demo/agencies/hmrc/notifications',
      payload: body,
      headers: {
        'content-type': 'application/cloudevents+json',
        'idempotency-key': `"${id}"`,
        'govbridge-signature': signature,
      },
    });
    return {
      status: res.statusCode,
      json: JSON.parse(res.body) as Record<string, unknown>,
      headers: res.headers,
    };
  }

  test('a kid not in the hub’s JWKS: fetched again, then 401; again within the cool-down, 503', async () => {
    const target = await freshAgencies();
    try {
      const { privateKey } = await generateKeyPair('ES256');
      const { id, body } = await eventBody();
      const signature = await sign(
        body,
        { alg: 'ES256', kid: 'not-a-hub-key', typ: SIGNATURE_TYP },
        privateKey,
      );
      const fetches = hub.jwksFetches();
      assertProblem(await postTo(target, body, id, signature), 401, 'signature_invalid');
      assert.equal(hub.jwksFetches(), fetches + 1);
      // Just fetched: the keys are not fetched again for 30 s, so the kid cannot be looked up now.
      const soon = await postTo(target, body, id, signature);
      assertProblem(soon, 503, 'hub_keys_unavailable');
      assert.equal(soon.headers['retry-after'], '30');
      assert.equal(hub.jwksFetches(), fetches + 1);
      assert.equal(await stored('hmrc', id), 0);
    } finally {
      await target.close();
    }
  });

  test('the hub rotates its key: 503 during the cool-down, accepted once the JWKS is fetched again', async () => {
    // Its own stand-in hub, so the rotation does not touch the other tests' keys.
    const rotating = await startHubKeys('rotating-1');
    const fresh = await createDemoAgencies({
      publicUrl: PUBLIC_URL,
      hubJwksUrl: rotating.jwksUrl,
      secret: SECRET,
      db: storage.db,
    });
    const target = Fastify();
    await target.register(fresh.plugin);
    const notification = () =>
      buildNotification({
        source: rotating.source,
        recipient: 'hmrc',
        encryptionJwk: registration('hmrc').encryptionJwk,
        attributes: movingAbroad,
      });
    const signed = (body: string, kid = rotating.kid, key = rotating.signingKey) =>
      signNotification(body, key, { alg: 'ES256', kid, typ: SIGNATURE_TYP });
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    try {
      const first = await notification();
      assert.equal((await postTo(target, first.body, first.id, await signed(first.body))).status, 202);
      const oldKid = rotating.kid;
      const oldKey = rotating.signingKey;
      await rotating.rotate();
      const second = await notification();
      const signature = await signed(second.body);
      assertProblem(await postTo(target, second.body, second.id, signature), 503, 'hub_keys_unavailable');
      mock.timers.tick(31_000);
      assert.equal((await postTo(target, second.body, second.id, signature)).status, 202);
      // The old key stays published: a retry of something it signed still verifies.
      const old = await notification();
      assert.equal(
        (await postTo(target, old.body, old.id, await signed(old.body, oldKid, oldKey))).status,
        202,
      );
    } finally {
      mock.timers.reset();
      await target.close();
      await rotating.close();
    }
  });

  test('no personal data in the logs, even at trace level', () => {
    const log = logLines.join('');
    assert.ok(log.includes('demo agency received a notification'));
    assert.ok(log.includes('demo agency refused a notification'));
    for (const secret of [
      'Aisha Rahman',
      '1988-07-02',
      'Orchard Road',
      'Dup Licate',
      'someone@example.com',
      'Sealed Person',
    ]) {
      assert.ok(!log.includes(secret), `log contains ${secret}`);
    }
    assert.doesNotMatch(log, /eyJ[A-Za-z0-9_-]{20,}/, 'no JOSE objects in the logs');
  });
});
