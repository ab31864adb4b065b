import { GovbridgeError } from '../../../kernel/index.ts';
import { type SchemeId, translateRequest } from '../../../trust/index.ts';
import type { ClientInfo } from '../../client-registry.ts';
import { SCOPE_CLAIMS } from '../../provider.ts';
import type { InteractionDetails, LoginDeps, LoginState, LoginStep } from '../login-state.ts';
import { claimsParameterNames, requestedLevel } from '../requested-assurance.ts';
import { tagLogin } from '../tracing.ts';

/**
 * Translate the request: the relying party's authorization request, in the scheme's vocabulary.
 *
 * Rules it enforces:
 * - the relying party is registered (`invalid_client`);
 * - the level required is the higher of what it asked (`acr_values`, an essential `acr` claim) and
 *   its registered floor (`govbridge_min_acr`) — never lower;
 * - the attributes asked for (scopes and the `claims` parameter) are cut to those it registered;
 * - `idp_hint` names a scheme this hub offers (`invalid_request`);
 * - the scheme can reach the level at all (trust framework: `unmet_authentication_requirements`);
 * - `login_hint` and `ui_locales` are at most 256 characters (`invalid_request`); a value with
 *   characters a national scheme refuses is dropped, logged, and the login goes on without it.
 */
export const translateLoginRequest: LoginStep = {
  name: 'translate request',
  phase: 'start',
  async run(login, deps) {
    const view = await describeInteraction(login.details, deps);
    tagLogin(view.uid, view.client.clientId);
    login.client = view.client;
    login.required = view.requiredAcr;
    login.attributes = view.attributes;
    login.upstreamRequest = translateRequest(deps.trust, login.scheme, view.requiredAcr, view.attributes);
    login.loginHint = forwardable(login, deps, login.details.params['login_hint'], 'login_hint');
    login.uiLocales = forwardable(login, deps, login.details.params['ui_locales'], 'ui_locales');
    return 'next';
  },
};

export interface InteractionView {
  uid: string;
  client: ClientInfo;
  requiredAcr: string;
  attributes: string[];
  idpHint: SchemeId | undefined;
  /** Schemes able to reach the required level (the chooser offers only these). */
  schemes: SchemeId[];
  /** The relying party's `ui_locales`, as sent (the hub's pages choose their language with it). */
  uiLocales: string | undefined;
}

/** The pending interaction as the chooser page shows it (and the start of every login reads it). */
export async function describeInteraction(
  details: InteractionDetails,
  deps: LoginDeps,
): Promise<InteractionView> {
  const client = await registeredClient(String(details.params['client_id']), deps);
  const { required } = requestedLevel([...deps.levels], details.params, client.minAcr);
  const attributes = requestedAttributes(details.params, client);
  const schemes = [...deps.connectors.keys()].filter((s) => reachable(deps, s, required, attributes));
  const hint = details.params['idp_hint'];
  let idpHint: SchemeId | undefined;
  if (hint !== undefined) {
    if (hint !== 'singpass' && hint !== 'onelogin') {
      throw new GovbridgeError('invalid_request', `idp_hint must be "singpass" or "onelogin"`);
    }
    if (!deps.connectors.has(hint)) {
      throw new GovbridgeError(
        'invalid_request',
        `idp_hint "${hint}" names a scheme this hub does not offer`,
      );
    }
    idpHint = hint;
  }
  const uiLocales =
    typeof details.params['ui_locales'] === 'string' ? details.params['ui_locales'] : undefined;
  return { uid: details.uid, client, requiredAcr: required, attributes, idpHint, schemes, uiLocales };
}

export async function registeredClient(clientId: string, deps: LoginDeps): Promise<ClientInfo> {
  const client = await deps.clients.get(clientId);
  if (!client) throw new GovbridgeError('invalid_client', 'The service that sent you here is not registered');
  return client;
}

/** Scopes and the `claims` parameter, cut to the attributes the client registered. */
export function requestedAttributes(params: Record<string, unknown>, client: ClientInfo): string[] {
  const scope = typeof params['scope'] === 'string' ? params['scope'] : '';
  const fromScopes = scope.split(' ').flatMap((s) => SCOPE_CLAIMS[s] ?? []);
  const fromClaims = claimsParameterNames(params['claims']);
  const wanted = new Set([...fromScopes, ...fromClaims]);
  return client.attributes.filter((a) => wanted.has(a));
}

export function reachable(deps: LoginDeps, scheme: SchemeId, level: string, attributes: string[]): boolean {
  try {
    translateRequest(deps.trust, scheme, level, attributes);
    return true;
  } catch {
    return false;
  }
}

const MAX_FORWARDED_LENGTH = 256;
/**
 * What the hub forwards upstream as `login_hint`: visible ASCII without markup characters (an
 * e-mail address, an NRIC, a persona name). National schemes refuse a PAR carrying HTML, emoji, RTL
 * marks or control characters, and the person could never get past that refusal; such a hint is
 * dropped (it is only a hint, OIDC Core §3.1.2.1) and the drop is logged.
 */
const FORWARDABLE_LOGIN_HINT = /^[!#-&(-;=?-~]+$/;
/** `ui_locales`: space-separated BCP 47 language tags (OIDC Core §3.1.2.1). */
const FORWARDABLE_UI_LOCALES = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*( [A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*){0,9}$/;

function forwardable(
  login: LoginState,
  deps: LoginDeps,
  value: unknown,
  name: 'login_hint' | 'ui_locales',
): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (value.length > MAX_FORWARDED_LENGTH) {
    throw new GovbridgeError(
      'invalid_request',
      `${name} must be at most ${MAX_FORWARDED_LENGTH} characters`,
      {
        detail: { check: name },
      },
    );
  }
  const pattern = name === 'login_hint' ? FORWARDABLE_LOGIN_HINT : FORWARDABLE_UI_LOCALES;
  if (pattern.test(value)) return value;
  deps.logger?.warn(
    {
      event: 'parameter_dropped',
      errorCode: `${name}_dropped`,
      check: `${name}_characters`,
      scheme: login.scheme,
      clientId: login.client?.clientId,
    },
    `${name} not forwarded to ${login.scheme}: it has characters the national scheme does not accept`,
  );
  return undefined;
}
