import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ClientRegistry, LoginService } from '../broker/index.ts';
import type { Config } from '../config/index.ts';
import type { ConsentService } from '../consent/index.ts';
import type { TrustFramework } from '../trust/index.ts';
import { type AccountRoutesOptions, registerAccountRoutes } from './account/account-routes.ts';
import { decideDesign } from './design.ts';
import { registerSignInRoutes, type SignInRoutesOptions } from './sign-in/sign-in-routes.ts';
import type { Views } from './views.ts';

export interface HubPagesOptions {
  config: Config;
  login: LoginService;
  consents: ConsentService;
  clients: ClientRegistry;
  trust: TrustFramework;
  schemes: readonly string[];
  /** See SignInRoutesOptions.onVerified. */
  onVerified?: SignInRoutesOptions['onVerified'];
  /** See AccountRoutesOptions.endProviderSession. */
  endProviderSession?: AccountRoutesOptions['endProviderSession'];
}

/** The person's journeys through the hub: sign-in for a relying party, consent, their consents. */
export const hubPages: FastifyPluginAsync<HubPagesOptions> = async (app: FastifyInstance, o) => {
  await registerSignInRoutes(app, {
    login: o.login,
    trust: o.trust,
    config: o.config,
    ...(o.onVerified ? { onVerified: o.onVerified } : {}),
  });
  await registerAccountRoutes(app, o);
};

/**
 * Pages oidc-provider renders itself (it cannot redirect an error, or it asks to confirm a logout).
 * Each is told the country of the relying party whose request it answers, when there is one, and
 * wears that country's design (design.ts).
 */
export function providerPageRenderers(views: () => Views) {
  const design = (clientCountry: string | undefined) => decideDesign({ clientCountry });
  return {
    renderErrorPage: (status: number, title: string, message: string, clientCountry?: string) =>
      views().render('error.njk', {
        pageTitle: title,
        heading: title,
        paragraphs: [{ text: message }],
        status,
        design: design(clientCountry),
      }),
    renderLogoutPage: (form: string, clientName: string | undefined, clientCountry?: string) =>
      views().render('sign-in/logout.njk', {
        pageTitle: 'Sign out',
        form,
        clientName,
        design: design(clientCountry),
      }),
    renderLoggedOutPage: (clientName: string | undefined, clientCountry?: string) =>
      views().render('sign-in/logged-out.njk', {
        pageTitle: 'You have signed out',
        clientName,
        design: design(clientCountry),
      }),
    renderSwitchIdentityPage: (
      action: string,
      xsrf: string,
      clientName: string | undefined,
      clientCountry?: string,
    ) =>
      views().render('sign-in/switch-identity.njk', {
        pageTitle: 'Another identity is signed in on this device',
        action,
        xsrf,
        clientName,
        design: design(clientCountry),
      }),
    renderFormPostPage: (
      action: string,
      fields: Record<string, string>,
      clientName: string | undefined,
      clientCountry?: string,
    ) =>
      views().render('sign-in/form-post.njk', {
        pageTitle: clientName ? `Continue to ${clientName}` : 'Continue to the service',
        action,
        fields,
        clientName,
        design: design(clientCountry),
      }),
  };
}
