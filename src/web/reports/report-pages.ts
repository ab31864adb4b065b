import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.ts';
import { GovbridgeError, isGovbridgeError, randomId } from '../../kernel/index.ts';
import type { Catalogue, JourneyStore, LifeEvent, SavedJourney } from '../../life-events/index.ts';
import type {
  AgencyRegistry,
  EventTypeSpec,
  EventTypes,
  FieldValue,
  RecipientPlan,
  ReportService,
} from '../../notifications/index.ts';
import { accountFromCookie } from '../account/account-cookie.ts';
import { questionHref } from '../journeys/journey-pages.ts';
import { verifyCsrf } from '../security.ts';
import { SCHEME_NAMES } from '../sign-in/display.ts';
import { countryName } from './countries.ts';
import { readableReference } from './reference.ts';
import {
  crossCheck,
  displayValue,
  type FormError,
  fieldLabel,
  formValuesOf,
  type KnownValue,
  knownValues,
  lowerFirst,
  problemErrors,
  type Question,
  questionsFor,
  type ReportForm,
  readAnswers,
  reportFormFor,
  type ValueSource,
} from './report-forms.ts';
import { formatDay, statusByCountry } from './report-status.ts';
import { openReview, REVIEW_TTL_MS, type Review, reviewKey, sealReview } from './review-token.ts';

/**
 * Tell Us Once, the citizen's side (issue "Report once"), signed in to the hub:
 *   GET  /life-events/journeys/:id/tell          "Tell government once": only the report fields the
 *                                                journey does not already have
 *   POST /life-events/journeys/:id/tell          answers → "Check before you send": per agency (by
 *                                                country) exactly the fields it will receive, and why
 *                                                any is withheld; `intent=change` shows the answers again
 *   POST /life-events/journeys/:id/tell/confirm  the reviewed report (sealed) + one-time submission key
 *                                                → ReportService.submit → 303 to its status page
 *   GET  /life-events/reports/:reportId          per agency: pending, delivered (when), trying again,
 *                                                needs action
 *
 * A journey or report of another account is "not found", like an unknown id.
 */
export interface ReportPagesOptions {
  config: Config;
  catalogue: Catalogue;
  journeys: JourneyStore;
  reports: ReportService;
  agencies: Pick<AgencyRegistry, 'subscribersOf'>;
  /** The trust framework's `events:` (which fields are required, which dates may not be in the future). */
  eventTypes: EventTypes;
  /** The key-encryption key; the reviewed report is sealed with a key derived from it. */
  kek: Uint8Array;
  /** Today as `YYYY-MM-DD`. Default: today in UTC, the calendar ReportService checks dates against. */
  today?: () => string;
  /** Epoch milliseconds (the review's expiry). */
  now?: () => number;
}

type Body = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const SUBMISSION_KEY = /^[A-Za-z0-9_-]{16,128}$/;

/** How a report's event is named when its journey is gone. */
const EVENT_TYPE_NAMES: Readonly<Record<string, string>> = {
  death: 'A death',
  birth: 'A birth',
  'moving-abroad': 'A move abroad',
};

/** Everything a tell page needs about one journey. */
interface Tell {
  saved: SavedJourney;
  event: LifeEvent;
  form: ReportForm;
  spec: EventTypeSpec;
  subscribed: boolean;
  /** Values the journey has that the report uses (required, or wanted by an agency). */
  known: Record<string, KnownValue>;
  questions: Question[];
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function planDigest(plan: readonly RecipientPlan[]): Record<string, string[]> {
  return Object.fromEntries(
    plan.filter((p) => p.attributes.length > 0).map((p) => [p.agency.agencyId, [...p.attributes]]),
  );
}

async function reportPagesPlugin(app: FastifyInstance, o: ReportPagesOptions): Promise<void> {
  const { catalogue, journeys, reports } = o;
  const today = o.today ?? (() => new Date().toISOString().slice(0, 10));
  const now = o.now ?? Date.now;
  const sealKey = reviewKey(o.kek);

  async function account(req: FastifyRequest, reply: FastifyReply): Promise<string | undefined> {
    const accountId = await accountFromCookie(req, o.config);
    if (!accountId) {
      reply.view('journeys/sign-in-needed.njk', { pageTitle: 'Sign in to plan a life event' });
    }
    return accountId;
  }

  async function load(accountId: string, journeyId: string): Promise<Tell> {
    const saved = await journeys.get(accountId, journeyId);
    const event = saved ? catalogue.events.get(saved.eventId) : undefined;
    if (!saved || !event) throw new GovbridgeError('not_found', 'There is no such journey');
    const form = reportFormFor(saved.eventId);
    const spec = form ? o.eventTypes[form.eventType] : undefined;
    if (!form || !spec) {
      throw new GovbridgeError('not_found', 'Government cannot be told about this life event here');
    }
    const subscribers = await o.agencies.subscribersOf(form.eventType);
    const wanted = new Set(subscribers.flatMap((s) => s.attributes));
    // Data minimisation: an optional value goes in the report only when some agency may receive it.
    const known = Object.fromEntries(
      Object.entries(knownValues(form, spec, saved, catalogue)).filter(
        ([field]) => spec.fields[field]?.required === true || wanted.has(field),
      ),
    );
    return {
      saved,
      event,
      form,
      spec,
      subscribed: subscribers.length > 0,
      known,
      questions: questionsFor(form, spec, known, wanted, catalogue),
    };
  }

  const paths = (t: Tell) => {
    const journey = `/life-events/journeys/${encodeURIComponent(t.saved.journeyId)}`;
    return { journey, tell: `${journey}/tell`, confirm: `${journey}/tell/confirm` };
  };

  /** Why nothing can be reported (yet), if so, and the status a form post then gets. */
  function blocked(t: Tell): { text: string; status: number } | undefined {
    if (!t.subscribed) {
      return {
        status: 409,
        text: `No agency is set up to be told about ${t.form.what} through govbridge yet. Tell each agency yourself: your journey lists them.`,
      };
    }
    const dateField = t.spec.fields[t.form.eventDateField];
    if (dateField?.notFuture && t.saved.eventDate > today()) {
      const when = displayValue('date', t.saved.eventDate);
      return {
        status: 400,
        text:
          t.form.eventType === 'death'
            ? `The date of death on your journey, ${when}, is in the future, so government cannot be told about it. Start a new journey with the date they died.`
            : `You can tell government about ${t.form.what} once it has happened: your journey says ${when}.`,
      };
    }
    return undefined;
  }

  /** A form post on a journey that cannot be reported: the reason, as an error summary. */
  function blockedPost(t: Tell, reply: FastifyReply, why: { text: string; status: number }) {
    return reply
      .code(why.status)
      .view('reports/tell.njk', tellContext(t, { errorList: [{ text: why.text }] }));
  }

  function sourceWords(t: Tell, source: ValueSource | undefined): string {
    if (source === 'verified') {
      const scheme = t.saved.verified?.scheme ?? '';
      return `from ${SCHEME_NAMES[scheme] ?? scheme}, verified`;
    }
    return source === 'journey' ? 'from your journey' : 'you told us';
  }

  function errorContext(errors: readonly FormError[]) {
    const errorList = errors.map((e) => (e.href ? { text: e.text, href: e.href } : { text: e.text }));
    const fieldErrors: Record<string, { text: string }> = {};
    const dateParts: Record<string, string> = {};
    for (const e of errors) {
      if (!e.field || fieldErrors[e.field]) continue;
      fieldErrors[e.field] = { text: e.text };
      if (e.part) dateParts[e.field] = e.part;
    }
    return { errorList, fieldErrors, dateParts };
  }

  /**
   * Where a value the journey gave can be changed: its question (coming back to the tell page), or
   * the journey's date. Verified values and fixed ones (the countries of a move) have none.
   */
  function journeyChange(t: Tell, field: string): { href: string; name: string } | undefined {
    if (t.known[field]?.source !== 'journey') return undefined;
    const name = lowerFirst(fieldLabel(field));
    if (field === t.form.eventDateField) {
      return { href: `${paths(t).journey}/date`, name };
    }
    const from = t.form.known[field]?.find((s) => s.from === 'place' || s.from === 'optionText');
    return from && 'fact' in from
      ? { href: questionHref(t.saved.journeyId, from.fact, 'tell'), name }
      : undefined;
  }

  function tellContext(t: Tell, extra: Record<string, unknown> = {}) {
    const p = paths(t);
    return {
      pageTitle: 'Tell government once',
      eventName: t.event.name,
      what: t.form.what,
      action: p.tell,
      backLink: { href: p.journey, text: 'Back to your journey' },
      blocked: blocked(t)?.text,
      known: Object.entries(t.known).map(([field, k]) => {
        const change = journeyChange(t, field);
        return {
          key: { text: fieldLabel(field) },
          value: {
            text: `${displayValue(t.spec.fields[field]?.type, k.value)} (${sourceWords(t, k.source)})`,
          },
          ...(change
            ? { actions: { items: [{ href: change.href, text: 'Change', visuallyHiddenText: change.name }] } }
            : {}),
        };
      }),
      questions: t.questions.map((q) => ({
        ...q,
        label: q.required ? q.label : `${q.label} (optional)`,
      })),
      values: {},
      fieldErrors: {},
      dateParts: {},
      ...extra,
    };
  }

  /** The whole report: what the journey has and what the citizen typed, with where each came from. */
  function assemble(t: Tell, typed: Readonly<Record<string, FieldValue>>) {
    const fields: Record<string, FieldValue> = {};
    const sources: Record<string, ValueSource> = {};
    for (const [field, k] of Object.entries(t.known)) {
      fields[field] = k.value;
      sources[field] = k.source;
    }
    for (const q of t.questions) {
      const v = typed[q.field];
      if (v === undefined) continue;
      fields[q.field] = v;
      sources[q.field] = 'typed';
    }
    return { fields, sources };
  }

  /** Check the report (our own contradiction checks, then ReportService's) and who would receive what. */
  async function plan(
    t: Tell,
    fields: Readonly<Record<string, FieldValue>>,
  ): Promise<{ ok: true; plan: RecipientPlan[] } | { ok: false; errors: FormError[] }> {
    const errors = crossCheck(fields, t.questions);
    if (errors.length > 0) return { ok: false, errors };
    try {
      return {
        ok: true,
        plan: await reports.preview({ eventType: t.form.eventType, occurredOn: t.saved.eventDate, fields }),
      };
    } catch (err) {
      const problems =
        isGovbridgeError(err) && err.code === 'invalid_request' ? err.detail?.['problems'] : undefined;
      if (!Array.isArray(problems)) throw err;
      return { ok: false, errors: problemErrors(problems, t.questions, fields) };
    }
  }

  function checkContext(
    t: Tell,
    review: Review,
    submissionKey: string,
    recipients: readonly RecipientPlan[],
    extra: Record<string, unknown> = {},
  ) {
    const p = paths(t);
    const row = (field: string) => ({
      key: { text: fieldLabel(field) },
      value: {
        text: `${displayValue(t.spec.fields[field]?.type, review.fields[field] ?? '')} (${sourceWords(t, review.sources[field])})`,
      },
    });
    const shown = recipients.filter((r) => r.attributes.length > 0 || r.withheld.length > 0);
    const countries = ['GB', 'SG']
      .map((country) => ({
        name: countryName(country),
        agencies: shown
          .filter((r) => r.agency.country === country)
          .map((r) => ({
            name: r.agency.name,
            nothing: r.attributes.length === 0,
            rows: [
              ...r.attributes.map(row),
              ...r.withheld.map((w) => ({
                key: { text: fieldLabel(w.field) },
                value: { text: `Not sent: ${w.reason || 'the release policy does not allow it'}` },
              })),
            ],
          })),
      }))
      .filter((c) => c.agencies.length > 0);
    const received = new Set(recipients.flatMap((r) => r.attributes));
    const sources = new Set(Object.values(review.sources));
    const scheme = t.saved.verified?.scheme ?? '';
    // Every answer once, with a Change for what the citizen typed (it comes back here).
    const answers = Object.keys(review.fields).map((field) => ({
      field,
      label: fieldLabel(field),
      value: displayValue(t.spec.fields[field]?.type, review.fields[field] ?? ''),
      source: sourceWords(t, review.sources[field]),
      change: review.sources[field] === 'typed' ? lowerFirst(fieldLabel(field)) : undefined,
    }));
    // Who to tell: every agency that would get something, all ticked unless the citizen unticked one.
    const chosen = (extra['chosen'] as readonly string[] | undefined) ?? undefined;
    const agencyChoices = recipients
      .filter((r) => r.attributes.length > 0)
      .map((r) => ({
        value: r.agency.agencyId,
        text: `${r.agency.name} (${countryName(r.agency.country)})`,
        hint: { text: `Will get: ${r.attributes.map(fieldLabel).join(', ')}` },
        checked: chosen === undefined || chosen.includes(r.agency.agencyId),
      }));
    return {
      pageTitle: 'Check before you send',
      eventName: t.event.name,
      backLink: { href: p.journey, text: 'Back to your journey' },
      answers,
      journeyAnswers: answers.some((a) => a.source === 'from your journey'),
      agencyChoices,
      fieldErrors: {},
      countries,
      unsent: Object.keys(review.fields)
        .filter((f) => !received.has(f))
        .map((f) => fieldLabel(f)),
      sendable: recipients.some((r) => r.attributes.length > 0),
      verifiedBy: sources.has('verified') ? (SCHEME_NAMES[scheme] ?? scheme) : undefined,
      confirmAction: p.confirm,
      changeAction: p.tell,
      review: sealReview(sealKey, t.saved.accountId, submissionKey, review),
      submissionKey,
      ...extra,
    };
  }

  function makeReview(
    t: Tell,
    assembled: { fields: Record<string, FieldValue>; sources: Record<string, ValueSource> },
    recipients: readonly RecipientPlan[],
  ): Review {
    return {
      journeyId: t.saved.journeyId,
      eventType: t.form.eventType,
      occurredOn: t.saved.eventDate,
      fields: assembled.fields,
      sources: assembled.sources,
      plan: planDigest(recipients),
      exp: now() + REVIEW_TTL_MS,
    };
  }

  /** The fields of a review the citizen typed, re-read as the form would read them (re-validated). */
  function retyped(t: Tell, review: Review) {
    const typed = Object.fromEntries(
      Object.entries(review.fields).filter(([field]) => review.sources[field] === 'typed'),
    );
    const values = formValuesOf(t.questions, typed);
    return { values, read: readAnswers(t.questions, values, today()) };
  }

  /** One answer of the check page on its own page; the review travels on, sealed, to come back. */
  function changeContext(
    t: Tell,
    q: Question,
    values: Record<string, unknown>,
    body: Body,
    extra: Record<string, unknown> = {},
  ) {
    return tellContext(t, {
      pageTitle: `Change ${lowerFirst(fieldLabel(q.field))}`,
      changing: {
        field: q.field,
        review: str(body['review']),
        submissionKey: str(body['submissionKey']),
      },
      questions: [{ ...q, label: q.required ? q.label : `${q.label} (optional)` }],
      known: [],
      values,
      ...extra,
    });
  }

  app.get<{ Params: { id: string } }>('/life-events/journeys/:id/tell', async (req, reply) => {
    const accountId = await account(req, reply);
    if (!accountId) return reply;
    const t = await load(accountId, req.params.id);
    return reply.view('reports/tell.njk', tellContext(t));
  });

  app.post<{ Params: { id: string }; Body: Body }>(
    '/life-events/journeys/:id/tell',
    { preHandler: verifyCsrf },
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const t = await load(accountId, req.params.id);
      const body = req.body ?? {};
      const why = blocked(t);
      if (why) return blockedPost(t, reply, why);
      const reviewed = () =>
        openReview(sealKey, accountId, t.saved.journeyId, str(body['submissionKey']), str(body['review']));
      if (str(body['intent']) === 'change') {
        // "Change" on the check page: that one answer on its own page, the others kept in the
        // sealed review; saving it comes back to the check page. "Change your answers": all of them.
        const review = reviewed();
        const values = review ? retyped(t, review).values : {};
        const one = review ? t.questions.find((q) => q.field === str(body['change'])) : undefined;
        if (one && review) {
          return reply.view('reports/tell.njk', changeContext(t, one, values, body));
        }
        return reply.view('reports/tell.njk', tellContext(t, { values }));
      }
      const changing = t.questions.find((q) => q.field === str(body['changing']));
      if (changing) {
        const review = reviewed();
        if (review && review.exp >= now()) {
          // One answer changed: read it; the other typed answers are the reviewed ones.
          const others = retyped(t, review).values;
          const one = readAnswers([changing], body, today());
          if (one.errors.length > 0) {
            return reply
              .code(400)
              .view(
                'reports/tell.njk',
                changeContext(t, changing, { ...others, ...one.values }, body, errorContext(one.errors)),
              );
          }
          const typed = readAnswers(t.questions, { ...others, ...one.values }, today());
          if (typed.errors.length === 0) {
            const assembled = assemble(t, typed.fields);
            const checked = await plan(t, assembled.fields);
            if (checked.ok) {
              const next = makeReview(t, assembled, checked.plan);
              return reply.view('reports/check.njk', checkContext(t, next, randomId(24), checked.plan));
            }
            return reply
              .code(400)
              .view(
                'reports/tell.njk',
                tellContext(t, { values: typed.values, ...errorContext(checked.errors) }),
              );
          }
          return reply
            .code(400)
            .view(
              'reports/tell.njk',
              tellContext(t, { values: typed.values, ...errorContext(typed.errors) }),
            );
        }
        // The review expired or was tampered with: all the questions again, with this answer.
      }
      const read = readAnswers(t.questions, body, today());
      if (read.errors.length > 0) {
        return reply
          .code(400)
          .view('reports/tell.njk', tellContext(t, { values: read.values, ...errorContext(read.errors) }));
      }
      const assembled = assemble(t, read.fields);
      const checked = await plan(t, assembled.fields);
      if (!checked.ok) {
        return reply
          .code(400)
          .view('reports/tell.njk', tellContext(t, { values: read.values, ...errorContext(checked.errors) }));
      }
      const review = makeReview(t, assembled, checked.plan);
      return reply.view('reports/check.njk', checkContext(t, review, randomId(24), checked.plan));
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/life-events/journeys/:id/tell/confirm',
    { preHandler: verifyCsrf, config: { formPage: '/life-events' } },
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const t = await load(accountId, req.params.id);
      const body = req.body ?? {};
      const submissionKey = str(body['submissionKey']);
      const review = SUBMISSION_KEY.test(submissionKey)
        ? openReview(sealKey, accountId, t.saved.journeyId, submissionKey, str(body['review']))
        : undefined;
      if (!review || review.eventType !== t.form.eventType) {
        throw new GovbridgeError(
          'bad_request',
          'We could not check that this is what you reviewed, so nothing was sent. Go back to your journey and tell government again.',
        );
      }
      const why = blocked(t);
      if (why) return blockedPost(t, reply, why);
      // Re-validate: the typed answers as the form reads them, the journey's values as they are now.
      const { values, read } = retyped(t, review);
      if (review.exp < now()) {
        const text = 'This page had expired, so nothing was sent. Check your answers and continue.';
        return reply.code(400).view(
          'reports/tell.njk',
          tellContext(t, {
            values,
            errorList: [t.questions[0] ? { text, href: `#${firstId(t.questions[0])}` } : { text }],
          }),
        );
      }
      if (read.errors.length > 0) {
        return reply
          .code(400)
          .view('reports/tell.njk', tellContext(t, { values, ...errorContext(read.errors) }));
      }
      const assembled = assemble(t, read.fields);
      const checked = await plan(t, assembled.fields);
      if (!checked.ok) {
        return reply
          .code(400)
          .view('reports/tell.njk', tellContext(t, { values, ...errorContext(checked.errors) }));
      }
      const current = makeReview(t, assembled, checked.plan);
      // The agencies the citizen chose to tell, among those that would get something.
      const offered = checked.plan.filter((r) => r.attributes.length > 0).map((r) => r.agency.agencyId);
      const raw = body['agencies'];
      const picked = (Array.isArray(raw) ? raw : [raw]).filter(
        (v): v is string => typeof v === 'string' && offered.includes(v),
      );
      const same =
        canonical({ f: current.fields, s: current.sources, p: current.plan, d: current.occurredOn }) ===
        canonical({ f: review.fields, s: review.sources, p: review.plan, d: review.occurredOn });
      if (!same) {
        // What would be sent is not what was reviewed (the journey, its verified details or the
        // agencies changed): nothing is sent; the citizen checks again.
        return reply.code(409).view(
          'reports/check.njk',
          checkContext(t, current, submissionKey, checked.plan, {
            changed:
              'Something changed since you checked, so nothing has been sent yet. Check what each agency will get, then send.',
          }),
        );
      }
      if (picked.length === 0) {
        const text = 'Select at least one agency to tell';
        req.log.warn(
          { code: 'tell_no_agency_chosen', check: 'at least one agency chosen' },
          'a report was not sent: no agency was chosen',
        );
        return reply.code(400).view(
          'reports/check.njk',
          checkContext(t, current, submissionKey, checked.plan, {
            chosen: [],
            errorList: [{ text, href: '#agencies' }],
            fieldErrors: { agencies: { text } },
          }),
        );
      }
      let reportId: string;
      let created: boolean;
      try {
        ({ reportId, created } = await reports.submit({
          accountId,
          journeyId: t.saved.journeyId,
          eventType: t.form.eventType,
          occurredOn: t.saved.eventDate,
          fields: current.fields,
          submissionKey,
          agencies: [...new Set(picked)],
          // What they confirmed for each agency (the reviewed plan, checked above to be what would
          // be sent): the release policy's consentGiven for each field.
          confirmed: review.plan,
        }));
      } catch (err) {
        const problems =
          isGovbridgeError(err) && err.code === 'invalid_request' ? err.detail?.['problems'] : undefined;
        if (!Array.isArray(problems)) throw err;
        return reply
          .code(400)
          .view(
            'reports/tell.njk',
            tellContext(t, { values, ...errorContext(problemErrors(problems, t.questions, current.fields)) }),
          );
      }
      if (!created) {
        // The same report again (a double click, or sent again after errors while the first had
        // committed): nothing new is sent; the status page says so.
        req.log.info(
          { code: 'report_already_sent', check: 'submission key or same content within 24 hours' },
          'a report sent again is the one already sent',
        );
        return reply.redirect(`/life-events/reports/${encodeURIComponent(reportId)}?already=sent`, 303);
      }
      return reply.redirect(`/life-events/reports/${encodeURIComponent(reportId)}?sent=new`, 303);
    },
  );

  app.get<{ Params: { reportId: string }; Querystring: { already?: string; sent?: string } }>(
    '/life-events/reports/:reportId',
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const view = await reports.get(accountId, req.params.reportId);
      const saved = view.journeyId ? await journeys.get(accountId, view.journeyId) : undefined;
      const event = saved ? catalogue.events.get(saved.eventId) : undefined;
      const href = `/life-events/reports/${encodeURIComponent(view.reportId)}`;
      return reply.view('reports/status.njk', {
        pageTitle: 'Who we have told',
        eventName: event?.name ?? EVENT_TYPE_NAMES[view.eventType] ?? view.eventType,
        sentOn: formatDay(view.createdAt),
        alreadySent: req.query.already === 'sent',
        justSent: req.query.sent === 'new',
        reportId: view.reportId,
        reference: readableReference(view.reportId),
        refreshHref: href,
        countries: statusByCountry(view),
        ...(saved
          ? {
              backLink: {
                href: `/life-events/journeys/${encodeURIComponent(saved.journeyId)}`,
                text: 'Back to your journey',
              },
              journeyHref: `/life-events/journeys/${encodeURIComponent(saved.journeyId)}`,
            }
          : { backLink: { href: '/life-events', text: 'Your life events' } }),
      });
    },
  );
}

/** The id of a question's first input (what an error summary links to). */
function firstId(q: Question): string {
  return q.kind === 'date' ? `${q.field}-day` : q.field;
}

/** Register after webFoundation (see src/web/reports/README.md). */
export const reportPages: FastifyPluginAsync<ReportPagesOptions> = Object.assign(reportPagesPlugin, {
  [Symbol.for('fastify.display-name')]: 'govbridge-report-pages',
});
