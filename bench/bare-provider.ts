import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';

/**
 * The reference for the login benchmark: a bare oidc-provider 9 in a process of its own, with the
 * in-memory adapter and a minimal interaction that signs in a fixed local account at once (no
 * upstream, no page). Its security profile mirrors the hub's towards relying parties (FAPI 2.0:
 * PAR, DPoP-bound tokens, private_key_jwt with ES256, PKCE S256, ES256 ID tokens, pairwise
 * subjects), so the same load generator drives the same OIDC steps against both.
 *
 *   BENCH_BARE_PORT    port to listen on (127.0.0.1 only)
 *   BENCH_BARE_CLIENT  the relying party's client metadata (JSON)
 */
const port = Number(process.env['BENCH_BARE_PORT']);
const clientJson = process.env['BENCH_BARE_CLIENT'];
if (!Number.isInteger(port) || port <= 0 || !clientJson) {
  process.stderr.write('BENCH_BARE_PORT and BENCH_BARE_CLIENT are required\n');
  process.exit(2);
}
const client = JSON.parse(clientJson) as ClientMetadata;
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: 'bare-1' };
const salt = 'bench-bare-salt';

const person = {
  name: 'Bench Person',
  given_name: 'Bench',
  family_name: 'Person',
  birthdate: '1980-01-01',
  email: 'bench.person@govbridge.example',
  email_verified: true,
};

const configuration: Configuration = {
  clients: [client],
  jwks: { keys: [signingKey] as NonNullable<Configuration['jwks']>['keys'] },
  cookies: { keys: ['bench-bare-cookie-key-0123456789abcdef'] },
  clientAuthMethods: ['private_key_jwt'],
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    id_token_signed_response_alg: 'ES256',
    subject_type: 'pairwise',
  },
  subjectTypes: ['pairwise'],
  pairwiseIdentifier: async (_ctx, accountId, c) =>
    createHash('sha256')
      .update(`${c.sectorIdentifier ?? c.clientId}\0${accountId}\0${salt}`)
      .digest('base64url'),
  responseTypes: ['code'],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email'],
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    profile: ['name', 'given_name', 'family_name', 'birthdate'],
    email: ['email', 'email_verified'],
  },
  acrValues: ['urn:govbridge:loa:substantial'],
  extraParams: ['idp_hint'],
  enabledJWA: {
    clientAuthSigningAlgValues: ['ES256'],
    idTokenSigningAlgValues: ['ES256'],
    dPoPSigningAlgValues: ['ES256'],
    authorizationSigningAlgValues: ['ES256'],
  },
  routes: { authorization: '/authorize', pushed_authorization_request: '/par', token: '/token' },
  features: {
    devInteractions: { enabled: false },
    pushedAuthorizationRequests: { enabled: true },
    dPoP: { enabled: true },
    userinfo: { enabled: true },
    fapi: { enabled: true, profile: '2.0' },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, ...person }),
  }),
};

const provider = new Provider(issuer, configuration);
const callback = provider.callback();

/** The whole "login": sign the fixed account in and grant what was asked, then resume. */
async function autoLogin(req: Parameters<typeof callback>[0], res: Parameters<typeof callback>[1]) {
  const details = await provider.interactionDetails(req, res);
  const clientId = String(details.params['client_id']);
  const grant = new provider.Grant({ accountId: 'bench-person', clientId });
  grant.addOIDCScope(String(details.params['scope'] ?? 'openid'));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    {
      login: { accountId: 'bench-person', acr: 'urn:govbridge:loa:substantial', amr: ['pwd'] },
      consent: { grantId },
    },
    { mergeWithLastSubmission: false },
  );
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/interaction/')) {
    autoLogin(req, res).catch((err: unknown) => {
      process.stderr.write(`interaction failed: ${err instanceof Error ? err.message : String(err)}\n`);
      if (!res.headersSent) res.writeHead(500).end();
    });
    return;
  }
  callback(req, res);
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
const stop = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
