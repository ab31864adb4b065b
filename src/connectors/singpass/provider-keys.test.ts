import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { type Clock, GovbridgeError, systemClock } from '../../kernel/index.ts';
import { createProviderKeys } from './provider-keys.ts';
import type { ConnectorDeps } from './types.ts';

async function publicKey(kid: string): Promise<JWK> {
  const { publicKey: key } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(key)), kid, use: 'sig', alg: 'ES256' };
}

describe('provider keys (Singpass JWKS cache)', () => {
  it('fetches once, re-fetches on an unknown kid, and not again within the cooldown', async () => {
    const served: JWK[][] = [[await publicKey('k1')], [await publicKey('k1'), await publicKey('k2')]];
    let fetches = 0;
    let offsetMs = 0;
    const clock: Clock = {
      now: () => new Date(Date.now() + offsetMs),
      epochSeconds: () => Math.floor((Date.now() + offsetMs) / 1000),
    };
    const fakeFetch: typeof fetch = async () => {
      const keys = served[Math.min(fetches, served.length - 1)];
      fetches++;
      return new Response(JSON.stringify({ keys }), { status: 200 });
    };
    const deps: ConnectorDeps = {
      options: {
        issuer: 'https://sp.example',
        clientId: 'c',
        profile: 'fapi',
        keys: { signing: {}, encryption: [] },
        timeoutMs: 1000,
      },
      clock,
      fetch: fakeFetch,
    };
    const keys = createProviderKeys(deps, async () => ({
      issuer: 'https://sp.example',
      authorization_endpoint: 'https://sp.example/auth',
      token_endpoint: 'https://sp.example/token',
      jwks_uri: 'https://sp.example/jwks',
    }));
    await keys('k1');
    await keys('k1');
    assert.equal(fetches, 1, 'cached');
    // k2 appears right after the first fetch: within the cooldown, so it is refused …
    await assert.rejects(
      keys('k2'),
      (err: unknown) => err instanceof GovbridgeError && err.detail?.check === 'signing_key',
    );
    assert.equal(fetches, 1);
    // … and after it, an unknown kid makes us fetch the JWKS again (key rotation).
    offsetMs = 11_000;
    await keys('k2');
    assert.equal(fetches, 2);
    await keys('k1');
    assert.equal(fetches, 2, 'cached again');
  });

  it('refuses keys that are not P-256 ES256 signing keys', async () => {
    const { publicKey: rsa } = await generateKeyPair('RS256', { extractable: true });
    const deps: ConnectorDeps = {
      options: {
        issuer: 'i',
        clientId: 'c',
        profile: 'fapi',
        keys: { signing: {}, encryption: [] },
        timeoutMs: 1000,
      },
      clock: systemClock,
      fetch: async () =>
        new Response(
          JSON.stringify({
            keys: [
              { ...(await exportJWK(rsa)), kid: 'r1' },
              { ...(await publicKey('e1')), use: 'enc' },
            ],
          }),
        ),
    };
    const keys = createProviderKeys(deps, async () => ({
      issuer: 'i',
      authorization_endpoint: 'https://x/a',
      token_endpoint: 'https://x/t',
      jwks_uri: 'https://x/j',
    }));
    await assert.rejects(
      keys('r1'),
      (err: unknown) => err instanceof GovbridgeError && err.detail?.check === 'signing_key',
    );
    await assert.rejects(
      keys('e1'),
      (err: unknown) => err instanceof GovbridgeError && err.detail?.check === 'signing_key',
    );
  });
});
