/**
 * A complete relying party of the govbridge hub, on openid-client v6, as a FAPI 2.0 client:
 *
 *   - private_key_jwt client authentication, ES256 (RFC 7523)
 *   - pushed authorization requests (RFC 9126), PKCE S256 (RFC 7636)
 *   - DPoP-bound access tokens (RFC 9449), with a new DPoP key for every sign-in
 *   - ES256 ID tokens; `state`, `nonce`, `iss` (RFC 9207) and the ID token checked by openid-client
 *
 * It is the example of docs/connect-your-service.md, and test/examples/relying-party.test.ts runs
 * it against a real hub. Copy it, then change the service's details in `registrationMetadata`.
 *
 * Run it against a hub started with `npm start` (http://127.0.0.1:3000):
 *
 *   node examples/relying-party/relying-party.ts setup    # makes a key, prints the registration file
 *   npm run cli -- clients register --file example-rp/registration.json
 *   node examples/relying-party/relying-party.ts serve    # http://127.0.0.1:4000/
 *
 * Settings (environment): GOVBRIDGE_ISSUER (default http://127.0.0.1:3000), RP_PORT (default 4000),
 * RP_DIR (default ./example-rp: the private key and the registration file; keep the key secret).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';

/** The service's registration details (docs/connect-your-service.md, "What to register"). */
export interface ServiceDetails {
  clientId: string;
  clientName: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** The public half of the client-authentication key, with `kid`, `alg: ES256` and `use: sig`. */
  publicJwk: JWK;
  country: 'GB' | 'SG';
  agency: string;
  purpose: string;
  attributes: string[];
  minAcr: string;
  environment: string;
}

/**
 * The metadata to register: the JSON file for `npm run cli -- clients register --file F`, or (without
 * `client_id`: the hub chooses it) the body of a Dynamic Client Registration request.
 */
export function registrationMetadata(s: ServiceDetails): Record<string, unknown> {
  return {
    client_id: s.clientId,
    client_name: s.clientName,
    application_type: 'web',
    redirect_uris: [s.redirectUri],
    post_logout_redirect_uris: [s.postLogoutRedirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    jwks: { keys: [s.publicJwk] },
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    id_token_signed_response_alg: 'ES256',
    dpop_bound_access_tokens: true,
    require_pushed_authorization_requests: true,
    govbridge_country: s.country,
    govbridge_agency: s.agency,
    govbridge_purpose: s.purpose,
    govbridge_attributes: s.attributes,
    govbridge_min_acr: s.minAcr,
    govbridge_security_profile: 'fapi2',
    govbridge_environment: s.environment,
  };
}

/** A new ES256 client-authentication key: the private key stays with the service. */
export async function newClientKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
  };
}

export interface RelyingPartyOptions {
  issuer: URL;
  clientId: string;
  /** The private client-authentication key as a JWK (with `kid`). */
  privateJwk: JWK;
  redirectUri: string;
}

export interface SignInRequest {
  scope: string;
  /** Hub levels acceptable to the service, most wanted first (the lowest listed is the minimum). */
  acrValues: string;
  /** `singpass` or `onelogin` to skip the hub's chooser. */
  idpHint?: string;
  /** Passed on to the national scheme; with the simulators it picks a test persona (and scenario). */
  loginHint?: string;
}

/** What the callback is checked against: keep it server-side, bound to the browser. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  dpopKeys: CryptoKeyPair;
}

export interface SignedIn {
  idToken: string;
  sub: string;
  acr: string | undefined;
  amr: string[];
  /** Userinfo: the claims released, `verified_claims`, and `govbridge_withheld` when something was withheld. */
  userinfo: Record<string, unknown>;
  /** Claims the hub's release policy withheld, and the policy that did. */
  withheld: { claim: string; policy: string }[];
}

/** Discovery, once: the hub's endpoints and keys. */
export async function connect(o: RelyingPartyOptions) {
  const key = await importJWK(o.privateJwk, 'ES256');
  if (!(key instanceof CryptoKey)) throw new TypeError('the client key must be an EC private key');
  const config = await oidc.discovery(
    o.issuer,
    o.clientId,
    { id_token_signed_response_alg: 'ES256', token_endpoint_auth_signing_alg: 'ES256' },
    oidc.PrivateKeyJwt({ key, kid: String(o.privateJwk.kid) }),
    // Plain http only to a hub on this machine (development); FAPI 2.0 needs TLS everywhere else.
    isLoopbackHttp(o.issuer) ? { execute: [oidc.allowInsecureRequests] } : {},
  );

  return {
    config,

    /** Push the authorization request (PAR, PKCE, DPoP); send the browser to `url`. */
    async startSignIn(r: SignInRequest): Promise<{ url: URL; pending: PendingSignIn }> {
      const pending: PendingSignIn = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
        dpopKeys: await oidc.randomDPoPKeyPair('ES256'),
      };
      const parameters: Record<string, string> = {
        redirect_uri: o.redirectUri,
        scope: r.scope,
        acr_values: r.acrValues,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
      };
      if (r.idpHint) parameters['idp_hint'] = r.idpHint;
      if (r.loginHint) parameters['login_hint'] = r.loginHint;
      const url = await oidc.buildAuthorizationUrlWithPAR(config, parameters, {
        DPoP: oidc.getDPoPHandle(config, pending.dpopKeys),
      });
      return { url, pending };
    },

    /**
     * The browser came back to the redirect URI. An error from the hub (`?error=…`) is thrown as
     * `oidc.AuthorizationResponseError` with `.error` and `.error_description`.
     */
    async finishSignIn(callbackUrl: URL, pending: PendingSignIn, minimumAcr: string): Promise<SignedIn> {
      const DPoP = oidc.getDPoPHandle(config, pending.dpopKeys);
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
        undefined,
        { DPoP },
      );
      const claims = tokens.claims();
      if (!claims || !tokens.id_token) throw new Error('the hub sent no ID token');
      // The hub never releases below the level asked for, but check it: it is your decision.
      const acr = typeof claims.acr === 'string' ? claims.acr : undefined;
      if (!acr || !atLeast(acr, minimumAcr)) throw new Error(`sign-in level ${acr} is below ${minimumAcr}`);
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP });
      const withheld = Array.isArray(userinfo['govbridge_withheld'])
        ? (userinfo['govbridge_withheld'] as { claim: string; policy: string }[])
        : [];
      return {
        idToken: tokens.id_token,
        sub: claims.sub,
        acr,
        amr: Array.isArray(claims.amr) ? claims.amr.map(String) : [],
        userinfo,
        withheld,
      };
    },

    /** RP-initiated logout at the hub. */
    signOutUrl(idToken: string, postLogoutRedirectUri: string): URL {
      return oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: postLogoutRedirectUri,
      });
    },
  };
}

export type RelyingParty = Awaited<ReturnType<typeof connect>>;

/**
 * Dynamic Client Registration with the hub's initial access token. The hub answers with the
 * client id it chose; the client stays pending (every request `invalid_client`) until an operator
 * approves it: `npm run cli -- clients approve -- <client_id>`.
 */
export async function registerDynamically(
  issuer: URL,
  initialAccessToken: string,
  metadata: Record<string, unknown>,
): Promise<string> {
  const { client_id: _chosenByTheHub, ...body } = metadata;
  const config = await oidc.dynamicClientRegistration(
    issuer,
    body as Partial<oidc.ClientMetadata>,
    oidc.None(),
    {
      initialAccessToken,
      ...(isLoopbackHttp(issuer) ? { execute: [oidc.allowInsecureRequests] } : {}),
    },
  );
  return config.clientMetadata().client_id;
}

const LEVELS = [
  'urn:govbridge:loa:authenticated',
  'urn:govbridge:loa:low',
  'urn:govbridge:loa:substantial',
  'urn:govbridge:loa:high',
];

function atLeast(acr: string, minimum: string): boolean {
  return LEVELS.indexOf(acr) >= 0 && LEVELS.indexOf(acr) >= LEVELS.indexOf(minimum);
}

function isLoopbackHttp(u: URL): boolean {
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

// ---- a tiny web service around it ---------------------------------------------------------------

export interface ExampleServerOptions {
  rp: RelyingParty;
  /** Where this server is reached, e.g. http://127.0.0.1:4000 (the redirect URI is `${base}/callback`). */
  base: string;
  request: Omit<SignInRequest, 'loginHint'>;
  minimumAcr: string;
}

/**
 * `GET /sign-in[?login_hint=…]` → the hub; `GET /callback` → a page with what the hub released (as
 * JSON, for the example). Pending sign-ins are kept in memory under a random cookie; a real service
 * keeps them in its session store.
 */
export function exampleServer(o: ExampleServerOptions): Server {
  const pending = new Map<string, PendingSignIn>();
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', o.base);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body, null, 2));
    };
    (async () => {
      if (url.pathname === '/' || url.pathname === '/sign-in') {
        const loginHint = url.searchParams.get('login_hint') ?? undefined;
        const { url: to, pending: p } = await o.rp.startSignIn({
          ...o.request,
          ...(loginHint ? { loginHint } : {}),
        });
        const id = randomBytes(16).toString('base64url');
        pending.set(id, p);
        res.writeHead(303, {
          location: to.href,
          'set-cookie': `rp_signin=${id}; Path=/; HttpOnly; SameSite=Lax`,
        });
        res.end();
        return;
      }
      if (url.pathname === '/callback') {
        const id = /(?:^|;\s*)rp_signin=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        const p = id ? pending.get(id) : undefined;
        if (!id || !p) return send(400, { error: 'no sign-in in progress in this browser' });
        pending.delete(id);
        try {
          const signedIn = await o.rp.finishSignIn(url, p, o.minimumAcr);
          return send(200, {
            sub: signedIn.sub,
            acr: signedIn.acr,
            amr: signedIn.amr,
            userinfo: signedIn.userinfo,
            withheld: signedIn.withheld,
          });
        } catch (err) {
          if (err instanceof oidc.AuthorizationResponseError) {
            // The hub ended the sign-in: docs/connect-your-service.md, "Errors", says what to do.
            return send(400, { error: err.error, error_description: err.error_description });
          }
          throw err;
        }
      }
      send(404, { error: 'not found' });
    })().catch((err: unknown) => {
      send(500, { error: 'sign-in failed', detail: err instanceof Error ? err.message : String(err) });
    });
  });
}

async function main(command: string | undefined): Promise<void> {
  const issuer = new URL(process.env['GOVBRIDGE_ISSUER'] ?? 'http://127.0.0.1:3000');
  const port = Number(process.env['RP_PORT'] ?? 4000);
  const dir = process.env['RP_DIR'] ?? 'example-rp';
  const base = `http://127.0.0.1:${port}`;
  const details = (publicJwk: JWK): ServiceDetails => ({
    clientId: 'example-rp',
    clientName: 'Example service',
    redirectUri: `${base}/callback`,
    postLogoutRedirectUri: `${base}/signed-out`,
    publicJwk,
    country: 'GB',
    agency: 'Example Agency',
    purpose: 'To show how a service connects to the hub',
    attributes: ['name', 'birthdate', 'email'],
    minAcr: 'urn:govbridge:loa:substantial',
    environment: 'uk-public-cloud',
  });
  if (command === 'setup') {
    const { privateJwk, publicJwk } = await newClientKey();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'client-key.json'), JSON.stringify(privateJwk), { mode: 0o600 });
    const file = join(dir, 'registration.json');
    writeFileSync(file, `${JSON.stringify(registrationMetadata(details(publicJwk)), null, 2)}\n`);
    console.log(`Wrote ${file}. Register it: npm run cli -- clients register --file ${file}`);
    return;
  }
  if (command === 'serve') {
    const privateJwk = JSON.parse(readFileSync(join(dir, 'client-key.json'), 'utf8')) as JWK;
    const rp = await connect({ issuer, clientId: 'example-rp', privateJwk, redirectUri: `${base}/callback` });
    exampleServer({
      rp,
      base,
      request: { scope: 'openid profile email', acrValues: 'urn:govbridge:loa:substantial' },
      minimumAcr: 'urn:govbridge:loa:substantial',
    }).listen(port, '127.0.0.1', () => console.log(`Example service: ${base}/sign-in`));
    return;
  }
  console.log('Usage: node examples/relying-party/relying-party.ts setup|serve');
}

if (import.meta.main) await main(process.argv[2]);
