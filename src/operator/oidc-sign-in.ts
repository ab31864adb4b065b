import * as oidc from 'openid-client';
import { GovbridgeError } from '../kernel/index.ts';
import type { OperatorRole } from './audit-trail.ts';
import type { OperatorIdentity } from './sessions.ts';

export interface OperatorOidcOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `<public URL>/admin/sign-in/callback`, registered at the issuer. */
  redirectUri: string;
  /** Subjects allowed in, with their role. */
  operators: readonly { subject: string; role: OperatorRole }[];
  groupsClaim?: string | undefined;
  operatorGroup?: string | undefined;
  viewerGroup?: string | undefined;
  /** Outside production only: an http:// issuer (a local test provider). */
  allowHttp: boolean;
}

/** What the browser keeps (in a short signed cookie) between leaving for the issuer and coming back. */
export interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

export type SignInOutcome =
  | { ok: true; identity: OperatorIdentity }
  | { ok: false; check: 'callback' | 'not_allowed'; subject?: string };

/**
 * Operators sign in through their organisation's OpenID Provider (ADR 18): authorization code with
 * PKCE (S256), state and nonce; openid-client checks the ID token (issuer, audience, signature against
 * the issuer's published keys, expiry, nonce). Who may come in is this hub's decision: an explicit
 * subject list, or the members of configured groups in a claim of the ID token.
 */
export class OperatorOidc {
  readonly #o: OperatorOidcOptions;
  #config: Promise<oidc.Configuration> | undefined;

  constructor(options: OperatorOidcOptions) {
    this.#o = options;
  }

  #configuration(): Promise<oidc.Configuration> {
    // Discovered once per process; a failed discovery is retried on the next sign-in.
    this.#config ??= oidc
      .discovery(
        new URL(this.#o.issuer),
        this.#o.clientId,
        this.#o.clientSecret,
        oidc.ClientSecretBasic(this.#o.clientSecret),
        this.#o.allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.#config = undefined;
        throw new GovbridgeError('upstream_unavailable', 'The operators’ sign-in service did not answer', {
          cause: err,
        });
      });
    return this.#config;
  }

  async start(): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.#configuration();
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.#o.redirectUri,
      scope: 'openid profile email',
      response_type: 'code',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pending };
  }

  /** Finish at the callback: the identity and role, or why the person is not let in. */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<SignInOutcome> {
    const config = await this.#configuration();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch {
      return { ok: false, check: 'callback' };
    }
    if (!claims) return { ok: false, check: 'callback' };
    const subject = claims.sub;
    const role = this.roleOf(subject, claims as Record<string, unknown>);
    if (!role) return { ok: false, check: 'not_allowed', subject };
    const name =
      (typeof claims['name'] === 'string' && claims['name']) ||
      (typeof claims['email'] === 'string' && claims['email']) ||
      subject;
    return { ok: true, identity: { subject, name: String(name).slice(0, 255), role, via: 'oidc' } };
  }

  /** The role of a person: an explicit subject entry wins; otherwise the groups claim. */
  roleOf(subject: string, claims: Record<string, unknown>): OperatorRole | undefined {
    const listed = this.#o.operators.find((o) => o.subject === subject);
    if (listed) return listed.role;
    if (!this.#o.groupsClaim) return undefined;
    const raw = claims[this.#o.groupsClaim];
    const groups = Array.isArray(raw)
      ? raw.filter((g) => typeof g === 'string')
      : typeof raw === 'string'
        ? [raw]
        : [];
    if (this.#o.operatorGroup && groups.includes(this.#o.operatorGroup)) return 'operator';
    if (this.#o.viewerGroup && groups.includes(this.#o.viewerGroup)) return 'viewer';
    return undefined;
  }
}
