import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRegistry, KeyStore } from '../../broker/index.ts';
import type { Config } from '../../config/index.ts';
import { isGovbridgeError } from '../../kernel/index.ts';
import type { Ledger, LedgerProblem, WitnessStatus } from '../../ledger/index.ts';
import type { AgencyRegistry, NotificationOperator } from '../../notifications/index.ts';
import type {
  Actor,
  OperatorActions,
  OperatorIdentity,
  OperatorOidc,
  OperatorSession,
  OperatorSessions,
  PendingSignIn,
  RefusalLog,
} from '../../operator/index.ts';
import { hubCookieName, hubCookieOptions, verifyCsrf } from '../security.ts';

/**
 * The operator console (issue 11, ADR 18), GOV.UK Frontend pages under /admin:
 *
 *   GET  /admin                                   overview (or the sign-in page)
 *   POST /admin/sign-in                           leave for the operators' OpenID Provider
 *   GET  /admin/sign-in/callback                  …and come back
 *   GET  /admin/sign-in/link?token=…              a one-time link's confirmation page
 *   POST /admin/sign-in/link                      use the link
 *   POST /admin/sign-out
 *   GET  /admin/relying-parties[/:clientId]       pending approvals (with exactly what is approved), all others
 *   POST /admin/relying-parties/:clientId/(approve|suspend|resume)
 *   GET  /admin/agencies                          POST /admin/agencies/:agencyId/(suspend|resume|replay)
 *   GET  /admin/notifications[/:notificationId]   queues, dead letters  POST …/:notificationId/replay
 *   GET  /admin/ledger   GET /admin/keys   GET /admin/refusals   GET /admin/audit
 *
 * Viewers see every page; operators also act. Every form carries a CSRF token; every action goes
 * through OperatorActions, which records it in the audit trail. Pages are never cached.
 */
export interface AdminConsoleOptions {
  config: Config;
  sessions: OperatorSessions;
  actions: OperatorActions;
  /** The operators' OpenID Provider, when GOVBRIDGE_ADMIN_ISSUER is set. */
  oidc: OperatorOidc | undefined;
  clients: ClientRegistry;
  agencies: AgencyRegistry;
  notifications: NotificationOperator;
  ledger: Ledger;
  ledgerStatus: { problems: () => Promise<LedgerProblem[]>; witnesses: () => Promise<WitnessStatus[]> };
  keys: KeyStore;
  refusals: RefusalLog;
  /** A refused sign-in or action (the console's own refusals): the composition root logs and counts it. */
  onRefused: (code: string, check: string) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    operator?: OperatorSession;
  }
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });
export function when(ms: number | null | undefined): string {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? '' : `${dateTime.format(ms)} UTC`;
}

const CLIENT_ID = /^[A-Za-z0-9._~:/-]{3,128}$/;
const AGENCY_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

export async function adminConsole(app: FastifyInstance, o: AdminConsoleOptions): Promise<void> {
  const sessionCookie = hubCookieName(o.config, 'govbridge-operator');
  const pendingCookie = hubCookieName(o.config, 'govbridge-operator-sign-in');
  const cookieOptions = hubCookieOptions(o.config);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const raw = req.cookies[sessionCookie];
    if (!raw) return;
    const unsigned = req.unsignCookie(raw);
    if (unsigned.valid && unsigned.value) req.operator = await o.sessions.get(unsigned.value);
  });

  const view = (
    reply: FastifyReply,
    req: FastifyRequest,
    template: string,
    context: Record<string, unknown>,
  ) => reply.view(`admin/${template}`, { operator: req.operator, ...context });

  /** GET pages need someone signed in; POST actions need an operator. */
  const signedIn = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.operator) return reply.redirect('/admin', 303);
  };
  const operatorOnly = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.operator) return reply.redirect('/admin', 303);
    if (req.operator.role !== 'operator') {
      o.onRefused('operator_forbidden', 'role');
      return view(reply.code(403), req, 'forbidden.njk', { pageTitle: 'You can look but not change' });
    }
  };
  const actor = (req: FastifyRequest): Actor => {
    const s = req.operator!;
    return { subject: s.subject, name: s.name, role: s.role, via: s.via };
  };

  const startSession = async (req: FastifyRequest, reply: FastifyReply, identity: OperatorIdentity) => {
    const previous = req.cookies[sessionCookie];
    if (previous) {
      const u = req.unsignCookie(previous);
      if (u.valid && u.value) await o.sessions.revoke(u.value);
    }
    const { sessionId, expiresAt } = await o.sessions.create(identity);
    reply.setCookie(sessionCookie, sessionId, {
      ...cookieOptions,
      sameSite: 'strict',
      maxAge: Math.floor((expiresAt - Date.now()) / 1000),
    });
    await o.actions.audit.append(
      { subject: identity.subject, name: identity.name, role: identity.role, via: identity.via },
      'operator.sign_in',
      '',
    );
    return reply.redirect('/admin', 303);
  };

  // ── Sign in and out ───────────────────────────────────────────────────────────────────────────
  app.get('/admin', async (req, reply) => {
    if (!req.operator) {
      return view(reply, req, 'sign-in.njk', {
        pageTitle: 'Sign in to govbridge operations',
        oidc: Boolean(o.oidc),
      });
    }
    const [clients, queues, size, latest, problems, audit] = await Promise.all([
      o.clients.list(),
      o.notifications.queues(),
      o.ledger.size(),
      o.ledger.latestCheckpoint(),
      o.ledgerStatus.problems(),
      o.actions.audit.list({ limit: 5 }),
    ]);
    const dead = queues.filter((q) => q.state === 'dead').reduce((n, q) => n + q.count, 0);
    return view(reply, req, 'overview.njk', {
      pageTitle: 'Overview',
      nav: 'overview',
      pending: clients.filter((c) => c.status === 'pending').length,
      suspended: clients.filter((c) => c.status === 'suspended').length,
      dead,
      ledgerSize: size,
      lastCheckpoint: latest ? when(latest.createdAt.getTime()) : 'none yet',
      problems: problems.length,
      auditTable: table(
        ['When', 'Who', 'What', 'On'],
        audit.map(auditRow).map((r) => [r.time, r.who, r.action, r.target]),
      ),
    });
  });

  app.post(
    '/admin/sign-in',
    { preHandler: verifyCsrf, config: { formPage: '/admin' } },
    async (_req, reply) => {
      if (!o.oidc) return reply.redirect('/admin', 303);
      const { url, pending } = await o.oidc.start();
      reply.setCookie(pendingCookie, JSON.stringify(pending), { ...cookieOptions, maxAge: 600 });
      return reply.redirect(url, 303);
    },
  );

  app.get('/admin/sign-in/callback', async (req, reply) => {
    const refuse = (check: string, status: number) => {
      o.onRefused('operator_sign_in_refused', check);
      return view(reply.code(status), req, 'sign-in-refused.njk', {
        pageTitle: 'You cannot sign in to govbridge operations',
        check,
      });
    };
    if (!o.oidc) return refuse('not_configured', 404);
    const raw = req.cookies[pendingCookie];
    reply.clearCookie(pendingCookie, { path: '/' });
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    let pending: PendingSignIn | undefined;
    try {
      pending = unsigned?.valid && unsigned.value ? (JSON.parse(unsigned.value) as PendingSignIn) : undefined;
    } catch {
      pending = undefined;
    }
    if (!pending || typeof pending.state !== 'string') return refuse('pending_cookie', 400);
    const url = new URL(req.url, o.config.publicUrl);
    const outcome = await o.oidc.finish(url, pending);
    if (!outcome.ok) return refuse(outcome.check, outcome.check === 'not_allowed' ? 403 : 400);
    return startSession(req, reply, outcome.identity);
  });

  app.get<{ Querystring: { token?: string } }>('/admin/sign-in/link', async (req, reply) => {
    // Shown, not used: a link preview or a mail scanner fetching the URL must not spend it.
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    return view(reply, req, 'sign-in-link.njk', { pageTitle: 'Sign in to govbridge operations', token });
  });

  app.post<{ Body: { token?: string } }>(
    '/admin/sign-in/link',
    { preHandler: verifyCsrf, config: { formPage: '/admin' } },
    async (req, reply) => {
      const token = typeof req.body?.token === 'string' ? req.body.token : '';
      const identity = await o.sessions.redeemLink(token);
      if (typeof identity === 'string') {
        o.onRefused('operator_sign_in_refused', `link_${identity}`);
        return view(reply.code(400), req, 'sign-in-refused.njk', {
          pageTitle: 'This sign-in link cannot be used',
          link: identity,
          check: `link_${identity}`,
        });
      }
      return startSession(req, reply, identity);
    },
  );

  app.post(
    '/admin/sign-out',
    { preHandler: verifyCsrf, config: { formPage: '/admin' } },
    async (req, reply) => {
      const raw = req.cookies[sessionCookie];
      const u = raw ? req.unsignCookie(raw) : undefined;
      if (u?.valid && u.value) await o.sessions.revoke(u.value);
      if (req.operator) await o.actions.audit.append(actor(req), 'operator.sign_out', '');
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.redirect('/admin', 303);
    },
  );

  // ── Relying parties ───────────────────────────────────────────────────────────────────────────
  app.get<{ Querystring: { done?: string } }>(
    '/admin/relying-parties',
    { preHandler: signedIn },
    async (req, reply) => {
      const clients = await o.clients.list();
      return view(reply, req, 'relying-parties.njk', {
        pageTitle: 'Relying parties',
        nav: 'relying-parties',
        pending: clients.filter((c) => c.status === 'pending'),
        othersTable: table(
          ['Service', 'Run by', 'Status', 'Registered by'],
          clients
            .filter((c) => c.status !== 'pending')
            .map((c) => [
              {
                html: `<a class="govuk-link" href="/admin/relying-parties/${encodeURIComponent(c.clientId)}">${esc(c.name)}</a>`,
              },
              `${c.agency}, ${c.country}`,
              c.status === 'approved' ? 'Approved' : 'Suspended',
              c.registeredBy === 'self' ? 'the service' : 'an operator',
            ]),
        ),
        done: doneMessage(req.query.done),
      });
    },
  );

  app.get<{ Params: { clientId: string } }>(
    '/admin/relying-parties/:clientId',
    { preHandler: signedIn },
    async (req, reply) => {
      const client = CLIENT_ID.test(req.params.clientId)
        ? await o.clients.get(req.params.clientId)
        : undefined;
      if (!client) return notFound(req, reply, 'relying party');
      return view(reply, req, 'relying-party.njk', {
        pageTitle: client.name,
        nav: 'relying-parties',
        client,
        metadataJson: JSON.stringify(client.metadata, null, 2),
        updated: when(client.updatedAt),
      });
    },
  );

  app.post<{ Params: { clientId: string; action: string }; Body: { version?: string } }>(
    '/admin/relying-parties/:clientId/:action',
    { preHandler: [operatorOnly, verifyCsrf], config: { formPage: '/admin/relying-parties' } },
    async (req, reply) => {
      const { clientId, action } = req.params;
      const client = CLIENT_ID.test(clientId) ? await o.clients.get(clientId) : undefined;
      if (!client) return notFound(req, reply, 'relying party');
      const back = `/admin/relying-parties/${encodeURIComponent(clientId)}`;
      if (action === 'approve') {
        const version = Number(req.body?.version);
        if (!Number.isSafeInteger(version))
          return badRequest(req, reply, 'The approval form was incomplete.', back);
        const r = await o.actions.approveClient(actor(req), clientId, version);
        if (r === 'changed') {
          o.onRefused('operator_action_refused', 'client_changed');
          return view(reply.code(409), req, 'conflict.njk', {
            pageTitle: 'This registration changed while you were looking at it',
            back,
          });
        }
        return reply.redirect(
          `/admin/relying-parties?done=${r === 'approved' ? 'approved' : 'unchanged'}`,
          303,
        );
      }
      if (action === 'suspend' || action === 'resume') {
        const changed =
          action === 'suspend'
            ? await o.actions.suspendClient(actor(req), clientId)
            : await o.actions.resumeClient(actor(req), clientId);
        return reply.redirect(`/admin/relying-parties?done=${changed ? PAST[action] : 'unchanged'}`, 303);
      }
      return notFound(req, reply, 'action');
    },
  );

  // ── Agencies ──────────────────────────────────────────────────────────────────────────────────
  app.get<{ Querystring: { done?: string; replayed?: string } }>(
    '/admin/agencies',
    { preHandler: signedIn },
    async (req, reply) => {
      const [agencies, queues] = await Promise.all([o.agencies.list(), o.notifications.queues()]);
      return view(reply, req, 'agencies.njk', {
        pageTitle: 'Agencies',
        nav: 'agencies',
        agencies: agencies.map((a) => ({
          ...a,
          dead: queues
            .filter((q) => q.agencyId === a.agencyId && q.state === 'dead')
            .reduce((n, q) => n + q.count, 0),
        })),
        done: doneMessage(req.query.done, req.query.replayed),
      });
    },
  );

  app.post<{ Params: { agencyId: string; action: string } }>(
    '/admin/agencies/:agencyId/:action',
    { preHandler: [operatorOnly, verifyCsrf], config: { formPage: '/admin/agencies' } },
    async (req, reply) => {
      const { agencyId, action } = req.params;
      const agency = AGENCY_ID.test(agencyId) ? await o.agencies.get(agencyId) : undefined;
      if (!agency) return notFound(req, reply, 'agency');
      if (action === 'suspend' || action === 'resume') {
        const changed = await o.actions.setAgencyStatus(
          actor(req),
          agencyId,
          action === 'suspend' ? 'suspended' : 'active',
        );
        return reply.redirect(`/admin/agencies?done=${changed ? PAST[action] : 'unchanged'}`, 303);
      }
      if (action === 'replay') {
        const n = await o.actions.replay(actor(req), { agencyId });
        return reply.redirect(`/admin/agencies?done=replayed&replayed=${n}`, 303);
      }
      return notFound(req, reply, 'action');
    },
  );

  // ── Notifications ─────────────────────────────────────────────────────────────────────────────
  app.get<{ Querystring: { done?: string; replayed?: string } }>(
    '/admin/notifications',
    { preHandler: signedIn },
    async (req, reply) => {
      const [queues, dead] = await Promise.all([
        o.notifications.queues(),
        o.notifications.list({ state: 'dead', limit: 100 }),
      ]);
      return view(reply, req, 'notifications.njk', {
        pageTitle: 'Notification queues',
        nav: 'notifications',
        queuesTable: table(
          ['Agency', 'State', 'Notifications', 'Oldest'],
          queues.map((q) => [q.agencyId, q.state, q.count, when(q.oldest)]),
        ),
        dead: dead.map((d) => ({ ...d, created: when(d.createdAt) })),
        done: doneMessage(req.query.done, req.query.replayed),
      });
    },
  );

  app.get<{ Params: { notificationId: string } }>(
    '/admin/notifications/:notificationId',
    { preHandler: signedIn },
    async (req, reply) => {
      let n: Awaited<ReturnType<NotificationOperator['get']>>;
      try {
        n = await o.notifications.get(req.params.notificationId);
      } catch (err) {
        if (isGovbridgeError(err) && err.code === 'not_found') return notFound(req, reply, 'notification');
        throw err;
      }
      return view(reply, req, 'notification.njk', {
        pageTitle: `Notification ${n.notificationId}`,
        nav: 'notifications',
        n: { ...n, created: when(n.createdAt), delivered: when(n.deliveredAt), next: when(n.nextAttemptAt) },
        failuresTable: table(
          ['Attempt', 'When', 'Answer', 'Reason'],
          n.failures.map((f) => [f.attempt, when(f.at), f.status ?? 'no answer', f.error]),
        ),
      });
    },
  );

  app.post<{ Params: { notificationId: string } }>(
    '/admin/notifications/:notificationId/replay',
    { preHandler: [operatorOnly, verifyCsrf], config: { formPage: '/admin/notifications' } },
    async (req, reply) => {
      let n: number;
      try {
        n = await o.actions.replay(actor(req), { notificationId: req.params.notificationId });
      } catch (err) {
        if (isGovbridgeError(err) && err.code === 'not_found') return notFound(req, reply, 'notification');
        throw err;
      }
      return reply.redirect(`/admin/notifications?done=replayed&replayed=${n}`, 303);
    },
  );

  // ── Ledger, keys, refusals, audit ─────────────────────────────────────────────────────────────
  app.get<{ Querystring: { check?: string } }>(
    '/admin/ledger',
    { preHandler: signedIn },
    async (req, reply) => {
      const [size, latest, problems, witnesses] = await Promise.all([
        o.ledger.size(),
        o.ledger.latestCheckpoint(),
        o.ledgerStatus.problems(),
        o.ledgerStatus.witnesses(),
      ]);
      let integrity: { ok: boolean; text: string } | undefined;
      if (req.query.check === '1') {
        try {
          const r = await o.ledger.verifyIntegrity();
          integrity = {
            ok: true,
            text: `All ${r.size} entries, ${r.nodes} stored tree nodes and ${r.checkpoints} signed checkpoints match (checked in ${r.durationMs} ms).`,
          };
        } catch (err) {
          integrity = { ok: false, text: err instanceof Error ? err.message : 'The check failed.' };
        }
      }
      return view(reply, req, 'ledger.njk', {
        pageTitle: 'Transparency ledger',
        nav: 'ledger',
        size,
        origin: o.ledger.origin,
        verifierKey: o.ledger.verifierKey,
        latest: latest
          ? {
              size: latest.size,
              at: when(latest.createdAt.getTime()),
              witnesses: latest.witnesses.join(', ') || 'none',
            }
          : undefined,
        problems,
        problemsTable: table(
          ['Kind', 'About', 'What was found', 'First seen', 'Last seen'],
          problems.map((p) => [
            p.kind,
            p.ref,
            p.message,
            when(p.firstSeenAt.getTime()),
            when(p.lastSeenAt.getTime()),
          ]),
        ),
        witnessesTable: table(
          ['Witness', 'Cosigned up to', 'Last answered', 'Failing since', 'Last error'],
          witnesses.map((w) => [
            w.url,
            w.cosignedSize,
            w.lastOkAt ? when(w.lastOkAt.getTime()) : 'never',
            w.failingSince ? when(w.failingSince.getTime()) : '',
            w.lastError ?? '',
          ]),
        ),
        integrity,
      });
    },
  );

  app.get('/admin/keys', { preHandler: signedIn }, async (req, reply) => {
    const rotationMs = o.config.keyRotationDays * 24 * 3600_000;
    const now = Date.now();
    const rows = o.keys.describe().map((k) => {
      const active = k.retiredAt === null;
      const due = k.createdAt + rotationMs;
      const rotation = !active
        ? ''
        : due <= now
          ? `Overdue since ${date.format(due)}`
          : `Due ${date.format(due)}`;
      return [
        k.purpose,
        k.kid,
        k.alg,
        k.source === 'file' ? 'key file' : 'database (sealed)',
        date.format(k.createdAt),
        active
          ? 'Active'
          : k.published
            ? `Retired, published until ${when(k.expiresAt)}`
            : 'Retired, no longer published',
        k.source === 'file' && active ? `${rotation} (replace the key file)` : rotation,
      ];
    });
    return view(reply, req, 'keys.njk', {
      pageTitle: 'Keys',
      nav: 'keys',
      keysTable: table(['Purpose', 'Key id', 'Algorithm', 'Kept in', 'Made', 'State', 'Rotation'], rows),
      rotationDays: o.config.keyRotationDays,
    });
  });

  app.get('/admin/refusals', { preHandler: signedIn }, async (req, reply) => {
    const since = Date.now() - 24 * 3600_000;
    const summary = await o.refusals.summary(since);
    return view(reply, req, 'refusals.njk', {
      pageTitle: 'Refused logins',
      nav: 'refusals',
      byCodeTable: table(
        ['Code', 'Check that failed', 'Refusals', 'Latest'],
        summary.byCode.map((r) => [r.code, r.check, r.count, when(r.last)]),
      ),
      latestTable: table(
        ['When', 'Code', 'Check', 'Scheme', 'Service'],
        summary.latest.map((r) => [when(r.at), r.code, r.check, r.scheme ?? '', r.clientId ?? '']),
      ),
    });
  });

  app.get<{ Querystring: { before?: string } }>(
    '/admin/audit',
    { preHandler: signedIn },
    async (req, reply) => {
      const before = Number(req.query.before);
      const [records, verification] = await Promise.all([
        o.actions.audit.list({
          limit: 50,
          ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}),
        }),
        o.actions.audit.verify(),
      ]);
      const oldest = records.at(-1)?.seq;
      return view(reply, req, 'audit.njk', {
        pageTitle: 'Audit trail',
        nav: 'audit',
        recordsTable: table(
          ['Record', 'When', 'Who', 'What', 'On', 'Details'],
          records.map(auditRow).map((r) => [r.seq, r.time, r.who, r.action, r.target, r.detail]),
        ),
        verification,
        older: oldest !== undefined && oldest > 1 ? `/admin/audit?before=${oldest}` : undefined,
      });
    },
  );

  function notFound(req: FastifyRequest, reply: FastifyReply, what: string) {
    return view(reply.code(404), req, 'not-found.njk', { pageTitle: `No such ${what}`, what });
  }
  function badRequest(req: FastifyRequest, reply: FastifyReply, message: string, back: string) {
    o.onRefused('operator_action_refused', 'form');
    return view(reply.code(400), req, 'conflict.njk', { pageTitle: message, back });
  }
}

type Cell = string | number | { html: string };

/** Parameters for govukTable: a caption-less table with a header row. */
function table(head: string[], rows: Cell[][]) {
  return {
    firstCellIsHeader: false,
    head: head.map((text) => ({ text })),
    rows: rows.map((r) => r.map((c) => (typeof c === 'object' ? c : { text: String(c) }))),
  };
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAST: Record<string, string> = { suspend: 'suspended', resume: 'resumed' };

const DONE: Record<string, string> = {
  approved: 'Relying party approved. Citizens can now sign in to it.',
  suspended: 'Suspended. Nothing reaches it until it is resumed.',
  resumed: 'Resumed.',
  unchanged: 'Nothing changed: it was already in that state.',
};

function doneMessage(done: string | undefined, replayed?: string): string | undefined {
  if (done === 'replayed') {
    const n = Number(replayed);
    if (!Number.isSafeInteger(n) || n < 0) return undefined;
    return n === 0
      ? 'Nothing to replay: there were no dead letters.'
      : `${n} dead ${n === 1 ? 'letter' : 'letters'} sent again.`;
  }
  return done ? DONE[done] : undefined;
}

function auditRow(r: Awaited<ReturnType<OperatorActions['audit']['list']>>[number]) {
  return {
    seq: r.seq,
    time: when(Date.parse(r.time)),
    who: `${r.actor.name} (${r.actor.role}, ${r.actor.via})`,
    action: r.action,
    target: r.target,
    detail: Object.entries(r.detail)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('; '),
    hash: r.hash.slice(0, 16),
  };
}
