import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  base64url,
  compactDecrypt,
  decodeProtectedHeader,
  exportJWK,
  flattenedVerify,
  generateKeyPair,
  type JWK,
} from 'jose';
import { buildEnvelope, EnvelopeKeys } from '../../src/notifications/index.ts';

/**
 * The envelope is built with node:crypto; an agency reads it with any JOSE library. Here: jose, the
 * way docs/receiving-notifications.md tells an agency to — decrypt the compact JWE (ECDH-ES+A256KW /
 * A256GCM) with its private key, verify the detached ES256 JWS over the exact body bytes.
 */
async function keys() {
  const sig = await generateKeyPair('ES256', { extractable: true });
  const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  return {
    signingJwk: { ...(await exportJWK(sig.privateKey)), kid: 'hub-notify-1', alg: 'ES256' } as JWK & {
      kid: string;
    },
    hubPublic: sig.publicKey,
    agencyJwk: { ...(await exportJWK(enc.publicKey)), kid: 'dvla-enc-1' } as JWK & { kid: string },
    agencyPrivate: enc.privateKey,
  };
}

const input = (id: string, attributes: Record<string, unknown>) => ({
  id,
  eventType: 'moving-abroad',
  reportId: 'rpt_abc',
  occurredOn: '2026-12-01',
  recipient: 'uk_dvla',
  time: new Date('2026-11-27T10:00:00Z'),
  attributes,
});

test('a JOSE library decrypts the data and verifies the detached signature; each message has its own ephemeral key', async () => {
  const k = await keys();
  const envelopeKeys = new EnvelopeKeys();
  const options = {
    source: 'https://hub.example/notifications',
    signingJwk: k.signingJwk,
    agencyJwk: k.agencyJwk,
    keys: envelopeKeys,
  };
  const attributes = { name: 'TAN AH KOW', new_address: '1 Horse Guards Road, London SW1A 2HQ — “quoted”' };
  const a = await buildEnvelope(input('ntf_1', attributes), options);
  const b = await buildEnvelope(input('ntf_2', attributes), options);

  const event = JSON.parse(a.body) as Record<string, unknown>;
  assert.equal(event['datacontenttype'], 'application/jose');
  assert.equal(event['type'], 'uk.gov.govbridge.moving-abroad.v1');
  assert.equal(a.headers['idempotency-key'], '"ntf_1"');

  const { plaintext, protectedHeader } = await compactDecrypt(String(event['data']), k.agencyPrivate, {
    keyManagementAlgorithms: ['ECDH-ES+A256KW'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  assert.deepEqual(JSON.parse(new TextDecoder().decode(plaintext)), {
    eventType: 'moving-abroad',
    reportId: 'rpt_abc',
    occurredOn: '2026-12-01',
    attributes,
  });
  assert.equal(protectedHeader.kid, 'dvla-enc-1');
  assert.equal(protectedHeader.cty, 'application/json');
  const epk = (jwe: unknown) => (decodeProtectedHeader(String(jwe)).epk as { x?: string } | undefined)?.x;
  const epkA = epk(event['data']);
  const epkB = epk((JSON.parse(b.body) as Record<string, unknown>)['data']);
  assert.ok(epkA && epkB && epkA !== epkB, 'a fresh ephemeral key per message');

  const [protectedPart, empty, signature] = a.headers['govbridge-signature']!.split('.');
  assert.equal(empty, '');
  const verified = await flattenedVerify(
    { protected: protectedPart!, payload: base64url.encode(a.body), signature: signature! },
    k.hubPublic,
    { algorithms: ['ES256'] },
  );
  assert.deepEqual(verified.protectedHeader, {
    alg: 'ES256',
    kid: 'hub-notify-1',
    typ: 'govbridge-notification+jws',
  });
  // The signature covers the exact bytes: one changed byte fails.
  await assert.rejects(
    flattenedVerify(
      {
        protected: protectedPart!,
        payload: base64url.encode(a.body.replace('ntf_1', 'ntf_9')),
        signature: signature!,
      },
      k.hubPublic,
      { algorithms: ['ES256'] },
    ),
  );
});

test('an event with no personal data carries it in clear, still signed', async () => {
  const k = await keys();
  const env = await buildEnvelope(input('ntf_3', {}), {
    source: 'https://hub.example/notifications',
    signingJwk: k.signingJwk,
    agencyJwk: k.agencyJwk,
    keys: new EnvelopeKeys(),
  });
  const event = JSON.parse(env.body) as Record<string, unknown>;
  assert.equal(event['datacontenttype'], 'application/json');
  assert.deepEqual(event['data'], {
    eventType: 'moving-abroad',
    reportId: 'rpt_abc',
    occurredOn: '2026-12-01',
    attributes: {},
  });
  const [p, , s] = env.headers['govbridge-signature']!.split('.');
  await flattenedVerify({ protected: p!, payload: base64url.encode(env.body), signature: s! }, k.hubPublic, {
    algorithms: ['ES256'],
  });
});

test('an agency key that is not a P-256 public key is refused', async () => {
  const k = await keys();
  await assert.rejects(
    buildEnvelope(input('ntf_4', { name: 'x' }), {
      source: 'https://hub.example/notifications',
      signingJwk: k.signingJwk,
      agencyJwk: { ...k.agencyJwk, crv: 'P-384' },
      keys: new EnvelopeKeys(),
    }),
  );
  await assert.rejects(
    buildEnvelope(input('ntf_5', { name: 'x' }), {
      source: 'https://hub.example/notifications',
      signingJwk: k.signingJwk,
      // Not a point on the curve.
      agencyJwk: { ...k.agencyJwk, y: k.agencyJwk.x! },
      keys: new EnvelopeKeys(),
    }),
  );
});
