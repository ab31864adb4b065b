export {
  ACCOUNT_SESSION_SECONDS,
  type AccountSessionRefusal,
  AccountSessionStore,
} from './account-sessions.ts';
export { createAdapterFactory, sweepExpired } from './adapter.ts';
export { type ClientInfo, ClientRegistry, GOVBRIDGE_METADATA } from './client-registry.ts';
export { GrantClaimsStore } from './grant-claims.ts';
export { OP_PATHS, providerRoutes } from './http.ts';
export { KEY_PURPOSES, type KeyPurpose, KeyStore } from './keystore.ts';
export {
  type CallbackOutcome,
  type InteractionView,
  LoginService,
  type LoginServiceOptions,
  toOidcError,
  type UpstreamResult,
  type VerifiedAttributes,
  type WithheldAttribute,
} from './login/login-service.ts';
export {
  createProvider,
  endProviderSession,
  type ProviderOptions,
  SCOPE_CLAIMS,
  WITHHELD_CLAIM,
} from './provider.ts';
export { appendUnledgeredReleases, revokeGrantsOfConsent, revokeGrantsOfConsentIn } from './releases.ts';
