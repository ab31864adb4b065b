import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ClientRegistry } from '../../broker/index.ts';
import type { Config } from '../../config/index.ts';
import { GovbridgeError } from '../../kernel/index.ts';
import type { Ledger, StoredEntry } from '../../ledger/index.ts';
import type { AgencyRegistry } from '../../notifications/index.ts';
import { attributeCatalogue, type TrustFramework } from '../../trust/index.ts';
import { accountFromCookie } from '../account/account-cookie.ts';
import { SCHEME_NAMES } from '../sign-in/display.ts';
import { type RecipientNames, releaseRow } from './release-view.ts';

/**
 * "Who has received your information" (issue "Transparency ledger"), for the signed-in citizen:
 *   GET /account/releases                 every ledger entry about them, newest first: who, when,
 *                                         what was shared and withheld (and by which policy), the
 *                                         consent or report it rested on, the entry number
 *   GET /account/releases/:index/receipt  that entry's receipt (entry, inclusion proof, signed
 *                                         checkpoint) as a JSON download, to verify offline with
 *                                         `npm run cli -- ledger verify-receipt`
 * Not signed in: the sign-in choice, returning here. An entry that is not the signed-in citizen's,
 * or no entry at all, is "Page not found" alike: nobody learns whether an index exists.
 */
export interface ReleasePagesOptions {
  config: Config;
  ledger: Pick<
    Ledger,
    'entriesForAccount' | 'findSubjectHash' | 'entry' | 'size' | 'receipt' | 'verifierKey'
  >;
  clients: Pick<ClientRegistry, 'get'>;
  agencies: Pick<AgencyRegistry, 'get'>;
  trust: TrustFramework;
  /** The national schemes a citizen may sign in with. */
  schemes: readonly string[];
}

const RETURN_PATH = '/account/releases';
/** Entry indexes as they appear in a path: a whole number (tree sizes are safe integers). */
const INDEX = /^(0|[1-9]\d{0,14})$/;

async function releasePagesPlugin(app: FastifyInstance, o: ReleasePagesOptions): Promise<void> {
  const catalogue = attributeCatalogue(o.trust);
  const describe = (claim: string) => catalogue[claim]?.description;
  const notFound = () => new GovbridgeError('not_found', 'There is no such record');
  const signInPage = () => ({
    pageTitle: 'Sign in to see who has received your information',
    returnTo: RETURN_PATH,
    schemes: o.schemes.map((s) => ({ value: s, text: SCHEME_NAMES[s] ?? s })),
  });

  /** Names of each recipient, looked up once per page. */
  async function recipientNames(entries: readonly StoredEntry[]) {
    const names = new Map<string, RecipientNames | undefined>();
    for (const { entry } of entries) {
      const key = `${entry.recipient.kind}:${entry.recipient.id}`;
      if (names.has(key)) continue;
      if (entry.recipient.kind === 'service') {
        const client = await o.clients.get(entry.recipient.id);
        names.set(key, client ? { name: client.name, runBy: client.agency } : undefined);
      } else {
        const agency = await o.agencies.get(entry.recipient.id);
        names.set(key, agency ? { name: agency.name, runBy: '' } : undefined);
      }
    }
    return (e: StoredEntry) => names.get(`${e.entry.recipient.kind}:${e.entry.recipient.id}`);
  }

  app.get(RETURN_PATH, async (req, reply) => {
    const accountId = await accountFromCookie(req, o.config);
    if (!accountId) return reply.view('releases/sign-in.njk', signInPage());
    const entries = [...(await o.ledger.entriesForAccount(accountId))].reverse();
    const names = await recipientNames(entries);
    return reply.view('releases/releases.njk', {
      pageTitle: 'Who has received your information',
      releases: entries.map((e) => releaseRow(e.index, e.entry, names(e), describe)),
      verifierKey: o.ledger.verifierKey,
      hubUrl: o.config.publicUrl,
    });
  });

  app.get<{ Params: { index: string } }>(`${RETURN_PATH}/:index/receipt`, async (req, reply) => {
    const accountId = await accountFromCookie(req, o.config);
    if (!accountId) return reply.view('releases/sign-in.njk', signInPage());
    if (!INDEX.test(req.params.index)) throw notFound();
    const index = Number(req.params.index);
    const subject = await o.ledger.findSubjectHash(accountId);
    if (!subject || index >= (await o.ledger.size())) throw notFound();
    const stored = await o.ledger.entry(index);
    if (stored.entry.subject !== subject) throw notFound();
    const receipt = await o.ledger.receipt(index);
    return reply
      .type('application/json; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="govbridge-receipt-${index}.json"`)
      .send(`${JSON.stringify(receipt, null, 2)}\n`);
  });
}

export const releasePages: FastifyPluginAsync<ReleasePagesOptions> = Object.assign(releasePagesPlugin, {
  [Symbol.for('fastify.display-name')]: 'govbridge-release-pages',
});
