import { isGovbridgeError } from '../../kernel/index.ts';

/**
 * Where a refused login goes: back to the relying party with an OIDC error (OIDC Core §3.1.2.6 —
 * its request cannot be served, and it can act on the reason), or to a page at the hub (the person
 * can act: try again after an outage, start again after a bad or replayed response).
 *
 * One table, by the phase of the login the refusing step belongs to:
 *
 * | phase      | steps                                 | to the relying party            | to a page            |
 * | ---------- | ------------------------------------- | ------------------------------- | -------------------- |
 * | `start`    | translate request, start upstream     | unmet_authentication_requirements, invalid_request, access_denied, the scheme refusing the hub's request (PAR 4xx) | everything else (outage, too many attempts) |
 * | `response` | check response (state, binding)       | —                               | everything           |
 * | `upstream` | complete upstream … finish            | everything else                 | upstream_timeout, upstream_unavailable |
 */
export type LoginPhase = 'start' | 'response' | 'upstream';
export type ErrorRoute = 'relying-party' | 'page';

/** A pseudo-code in the table: the national scheme answered the hub's PAR with a 4xx OAuth error. */
const UPSTREAM_REFUSED = 'upstream_refused';

export const ERROR_ROUTES: Record<LoginPhase, { otherwise: ErrorRoute; except: readonly string[] }> = {
  start: {
    otherwise: 'page',
    except: ['unmet_authentication_requirements', 'invalid_request', 'access_denied', UPSTREAM_REFUSED],
  },
  response: { otherwise: 'page', except: [] },
  upstream: { otherwise: 'relying-party', except: ['upstream_timeout', 'upstream_unavailable'] },
};

const phases = new WeakMap<object, LoginPhase>();

/** Remember which phase an error came from (the pipeline does this for every step). */
export function notePhase(err: unknown, phase: LoginPhase): unknown {
  if (typeof err === 'object' && err !== null && !phases.has(err)) phases.set(err, phase);
  return err;
}

export function phaseOf(err: unknown): LoginPhase | undefined {
  return typeof err === 'object' && err !== null ? phases.get(err) : undefined;
}

/** Where this error goes, for a refusal in `phase`. */
export function errorRoute(err: unknown, phase: LoginPhase): ErrorRoute {
  const { otherwise, except } = ERROR_ROUTES[phase];
  const code = isUpstreamRefusal(err) ? UPSTREAM_REFUSED : isGovbridgeError(err) ? err.code : undefined;
  const flip: ErrorRoute = otherwise === 'page' ? 'relying-party' : 'page';
  return code !== undefined && except.includes(code) ? flip : otherwise;
}

/** The national scheme answered the hub's own request (PAR) with a 4xx OAuth error. */
export function isUpstreamRefusal(err: unknown): boolean {
  if (!isGovbridgeError(err) || err.code !== 'upstream_invalid_response') return false;
  const status = err.detail?.['status'];
  return err.detail?.['check'] === 'par' && typeof status === 'number' && status >= 400 && status < 500;
}

/** Map a failure to the OIDC error the relying party receives (OIDC Core §3.1.2.6). */
export function toOidcError(err: unknown): { error: string; description: string } {
  if (isUpstreamRefusal(err)) {
    return {
      error: 'server_error',
      description: 'The national identity provider refused the hub’s sign-in request',
    };
  }
  if (isGovbridgeError(err) && err.expose) {
    switch (err.code) {
      case 'access_denied':
      case 'unmet_authentication_requirements':
      case 'login_required':
      case 'consent_required':
      case 'invalid_request':
      case 'temporarily_unavailable':
        return { error: err.code, description: err.message };
      default:
        break;
    }
  }
  if (isGovbridgeError(err) && err.code === 'upstream_invalid_response') {
    return {
      error: 'access_denied',
      description:
        'The national identity provider’s response failed verification, so no identity was released',
    };
  }
  if (isGovbridgeError(err) && err.code === 'temporarily_unavailable') {
    return { error: 'temporarily_unavailable', description: 'The national identity provider is unavailable' };
  }
  return { error: 'server_error', description: 'The hub could not complete the sign-in' };
}
