import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { GovbridgeError } from '../kernel/index.ts';
import { createOneLoginConnector, createSingpassConnector } from './index.ts';

/** A national identity provider answering with an enormous document must not exhaust the hub. */
describe('connectors refuse oversized upstream answers', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      // 1 MiB of JSON, streamed without a content-length.
      res.write('{"padding":"');
      for (let i = 0; i < 1024; i++) res.write('x'.repeat(1024));
      res.end('"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const isSizeError = (err: unknown) => {
    assert.ok(err instanceof GovbridgeError, String(err));
    assert.equal(err.code, 'upstream_invalid_response');
    assert.match(err.message, /(more|larger) than 262144 bytes/);
    return true;
  };

  it('Singpass discovery', async () => {
    const sig = await generateKeyPair('ES256', { extractable: true });
    const enc = await generateKeyPair('ECDH-ES+A256KW', { extractable: true, crv: 'P-256' });
    const connector = createSingpassConnector({
      issuer: base,
      clientId: 'c',
      profile: 'fapi',
      keys: {
        signing: { ...(await exportJWK(sig.privateKey)), kid: 's' },
        encryption: [{ ...(await exportJWK(enc.privateKey)), kid: 'e' }],
      },
      timeoutMs: 5000,
    });
    await assert.rejects(
      connector.begin({
        request: { scheme: 'singpass', acrValues: [], scopes: ['openid'] },
        redirectUri: 'http://127.0.0.1/cb',
      }),
      isSizeError,
    );
  });

  it('One Login discovery', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const connector = createOneLoginConnector({
      issuer: base,
      clientId: 'c',
      keys: { signing: { ...(await exportJWK(privateKey)), kid: 'k', alg: 'RS256' } },
      didUrl: `${base}/did.json`,
      identityIssuer: `${base}/identity/`,
      timeoutMs: 5000,
    });
    await assert.rejects(
      connector.begin({
        request: { scheme: 'onelogin', vtr: ['Cl.Cm'], scopes: ['openid'], userinfoClaims: [] },
        redirectUri: 'http://127.0.0.1/cb',
      }),
      isSizeError,
    );
  });
});
