import type { LoginStep } from '../login-state.ts';

/**
 * Finish: hand the login back to the OpenID Provider, which issues the code to the relying party.
 *
 * Rules it enforces:
 * - the login is for the account, level (`acr`), methods (`amr`) and time the upstream login
 *   established — nothing else — and the consent is exactly the grant recorded for this release;
 * - the provider's session cookie is not persistent (`remember: false`): it ends with the browser;
 * - a completed login is counted once, with its duration since the authorization request.
 */
export const finish: LoginStep = {
  name: 'finish',
  phase: 'upstream',
  async run(login, deps) {
    const result = login.result!;
    const iat = (login.details as { iat?: unknown }).iat;
    deps.observer?.completed(
      result.scheme,
      login.client!.clientId,
      result.acr,
      typeof iat === 'number' ? deps.clock.now().getTime() / 1000 - iat : undefined,
    );
    login.url = await deps.provider.interactionResult(
      login.req,
      login.res,
      {
        login: {
          accountId: result.accountId,
          acr: result.acr,
          amr: result.amr,
          remember: false,
          ...(result.authTime ? { ts: result.authTime } : {}),
        },
        consent: { grantId: login.grantId! },
      },
      { mergeWithLastSubmission: false },
    );
    return 'next';
  },
};
