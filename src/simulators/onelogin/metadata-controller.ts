import type { FastifyInstance } from 'fastify';
import type { SimulatorContext } from './context.ts';
import { SUPPORTED_SCOPES, SUPPORTED_USERINFO_CLAIMS } from './validate-auth-request.ts';

/**
 * Discovery, JWKS, DID document and trust mark. The discovery document lists what GOV.UK One
 * Login's does ("Authenticate your user", "Use the integration discovery endpoint"); the DID
 * document has the shape shown in "Prove your user's identity", "Validate the core identity claim
 * JWT using a public key", plus a top-level `controller`.
 */
export function registerMetadataRoutes(app: FastifyInstance, ctx: SimulatorContext): void {
  const { urls, keys } = ctx;

  app.get('/.well-known/openid-configuration', async (_req, reply) =>
    reply.header('cache-control', 'max-age=86400').send({
      issuer: urls.issuer,
      authorization_endpoint: urls.authorize,
      token_endpoint: urls.token,
      userinfo_endpoint: urls.userinfo,
      jwks_uri: urls.jwks,
      end_session_endpoint: urls.logout,
      scopes_supported: SUPPORTED_SCOPES,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256'],
      request_object_signing_alg_values_supported: ['RS256'],
      id_token_signing_alg_values_supported: ['ES256', 'RS256'],
      code_challenge_methods_supported: ['S256'],
      ui_locales_supported: ['en', 'cy'],
      subject_types_supported: ['public', 'pairwise'],
      claim_types_supported: ['normal'],
      claims_supported: [
        'sub',
        'email',
        'email_verified',
        'phone_number',
        'phone_number_verified',
        ...SUPPORTED_USERINFO_CLAIMS,
      ],
      claims_parameter_supported: true,
      request_parameter_supported: true,
      request_uri_parameter_supported: false,
      trustmarks: urls.trustmark,
      service_documentation: 'https://docs.sign-in.service.gov.uk/',
      backchannel_logout_supported: false,
    }),
  );

  app.get('/.well-known/jwks.json', async (_req, reply) =>
    reply
      .header('cache-control', 'max-age=3600')
      .send({ keys: [keys.idTokenEs256.publicJwk, keys.idTokenRs256.publicJwk] }),
  );

  const didDocument = () => {
    const { kid: _kid, alg: _alg, use: _use, ...publicKeyJwk } = keys.identity.publicJwk;
    return {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/jwk/v1'],
      id: urls.did,
      controller: urls.did,
      assertionMethod: [
        { id: `${urls.did}#${keys.identity.kid}`, type: 'JsonWebKey', controller: urls.did, publicKeyJwk },
      ],
    };
  };
  // The pinned location mirrors identity.integration.account.gov.uk/.well-known/did.json; strict
  // did:web resolution of a DID with a path would look at <path>/did.json, so serve that too.
  app.get('/identity/.well-known/did.json', async (_req, reply) =>
    reply.header('cache-control', 'max-age=3600, private').send(didDocument()),
  );
  app.get('/identity/did.json', async (_req, reply) =>
    reply.header('cache-control', 'max-age=3600, private').send(didDocument()),
  );

  app.get('/trustmark', async () => ({
    idp: urls.issuer,
    trustmark_provider: urls.issuer,
    C: ['Cl', 'Cl.Cm'],
    P: ['P0', 'P1', 'P2'],
  }));
}
