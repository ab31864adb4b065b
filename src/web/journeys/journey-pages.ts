import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginService } from '../../broker/index.ts';
import type { Config } from '../../config/index.ts';
import { acceptedDates, GovbridgeError, isGovbridgeError, randomId } from '../../kernel/index.ts';
import {
  type Catalogue,
  checkFactValue,
  evaluateJourney,
  type Fact,
  formatDate,
  formatFactValue,
  type Journey,
  type JourneyStore,
  LIFE_EVENTS_PURPOSE,
  type LifeEvent,
  type SavedJourney,
  verifiableFacts,
  verifiedFactValues,
} from '../../life-events/index.ts';
import type { ReportService } from '../../notifications/index.ts';
import type { SchemeId } from '../../trust/index.ts';
import { accountFromCookie, bindingCookieName } from '../account/account-cookie.ts';
import { todayInSingapore } from '../life-events-api/index.ts';
import { eventDateNotFuture } from '../life-events-api/journey-request.ts';
import { tellOnceSection } from '../reports/journey-section.ts';
import { hubCookieOptions, verifyCsrf } from '../security.ts';
import { SCHEME_NAMES } from '../sign-in/display.ts';
import {
  eventFacts,
  knownAnswers,
  nextQuestion,
  progressOf,
  progressText,
  stepAnchor,
  stepsView,
} from './journey-view.ts';
import { type DateFields, readAnswer, readDate } from './read-answer.ts';

/**
 * The citizen's life-event journeys (issue "Life events"), signed in to the hub:
 *   GET  /life-events                              choose a life event; your journeys with progress
 *   POST /life-events/start                        event + its date → a new journey
 *   GET  /life-events/journeys/:id/questions       → the next question the rules still need (or the journey)
 *   GET  /life-events/journeys/:id/questions/:fact one question per page, one URL per question; the back
 *                                                  link goes to the question asked before it
 *   POST /life-events/journeys/:id/questions/:fact answer it (or skip: "I don't know") → the next question,
 *                                                  or, with `return=journey|tell` (a change from a summary),
 *                                                  back to that summary
 *   GET  /life-events/journeys/:id                 the journey: steps in order with status
 *   POST /life-events/journeys/:id/steps           mark a step done / not done
 *   POST /life-events/journeys/:id/verified        agree (→ national sign-in asking for the verified
 *                                                  details) or decline to use verified details
 *
 * A journey is read only through the signed-in account: another account's id is "not found".
 * `?event=<id>` on /life-events preselects an event (a demo service can link there).
 */
export interface LifeEventPagesOptions {
  config: Config;
  catalogue: Catalogue;
  journeys: JourneyStore;
  /** Today as `YYYY-MM-DD`. Default: today in Singapore (the later calendar of the two countries). */
  today?: () => string;
  /** Signs the citizen in again asking for verified details; without it the offer is not shown. */
  login?: LoginService;
  /** The national schemes this hub offers. */
  schemes?: readonly string[];
  /**
   * Tell Us Once: with it, the journey page of an event that makes a report has a "Tell government
   * once" section linking to the reporting pages (src/web/reports/), and lists the journey's reports.
   */
  reports?: Pick<ReportService, 'list'>;
}

/** How a verifiable detail is named to the citizen (by its common claim). */
const DETAIL_WORDS: Readonly<Record<string, string>> = {
  name: 'Name',
  birthdate: 'Date of birth',
  address: 'Address',
};

/** The journey with its verified values in place of answers (a verified value wins). */
interface Effective {
  saved: SavedJourney;
  /** Fact id → verified value. */
  verified: Record<string, string>;
  /** Answers the citizen typed that the verified value replaced. */
  overridden: { factId: string; entered: string; verified: string }[];
}

/** Short names for event dates in messages ("Date of death must be today or in the past"). */
const EVENT_DATE_NOUNS: Readonly<Record<string, string>> = {
  starting_a_business_singapore_to_uk: 'The date the business starts',
  starting_a_business_uk_to_singapore: 'The date the business starts',
  death_of_a_loved_one: 'Date of death',
  having_a_baby: 'Date of birth',
  moving_singapore_to_uk: 'The date you move',
  moving_uk_to_singapore: 'The date you move',
  retiring_singapore_to_uk: 'The date you move',
  retiring_uk_to_singapore: 'The date you move',
};

type Body = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Where a changed answer goes back to: a NAME, never a URL, so `return` cannot send the person to
 * another site (no open redirect). Anything else is ignored and the questions go on as usual.
 */
export const RETURN_TARGETS = ['journey', 'tell'] as const;
export type ReturnTarget = (typeof RETURN_TARGETS)[number];

export function returnTarget(v: unknown): ReturnTarget | undefined {
  return typeof v === 'string' && (RETURN_TARGETS as readonly string[]).includes(v)
    ? (v as ReturnTarget)
    : undefined;
}

/** The page a return target names, for a journey. */
export function returnHref(journeyId: string, target: ReturnTarget): string {
  const journey = `/life-events/journeys/${encodeURIComponent(journeyId)}`;
  return target === 'tell' ? `${journey}/tell` : `${journey}#details-used`;
}

/** A question's own page: one URL per question (with where a change returns to). */
export function questionHref(journeyId: string, factId: string, back?: ReturnTarget): string {
  const href = `/life-events/journeys/${encodeURIComponent(journeyId)}/questions/${encodeURIComponent(factId)}`;
  return back ? `${href}?return=${back}` : href;
}

async function lifeEventPagesPlugin(app: FastifyInstance, o: LifeEventPagesOptions): Promise<void> {
  const { catalogue, journeys } = o;
  const today = o.today ?? todayInSingapore;
  const events = [...catalogue.events.values()];

  /** The signed-in account, or undefined after sending the "sign in first" page. */
  async function account(req: FastifyRequest, reply: FastifyReply): Promise<string | undefined> {
    const accountId = await accountFromCookie(req, o.config);
    if (!accountId) {
      reply.view('journeys/sign-in-needed.njk', { pageTitle: 'Sign in to plan a life event' });
    }
    return accountId;
  }

  async function load(
    accountId: string,
    journeyId: string,
  ): Promise<{ saved: SavedJourney; event: LifeEvent }> {
    const saved = await journeys.get(accountId, journeyId);
    const event = saved ? catalogue.events.get(saved.eventId) : undefined;
    if (!saved || !event) throw new GovbridgeError('not_found', 'There is no such journey');
    return { saved, event };
  }

  const schemes = (o.schemes ?? []).filter((x): x is SchemeId => x === 'singpass' || x === 'onelogin');

  /** Verified values replace the answers of the facts they answer (and are not asked again). */
  function effective(saved: SavedJourney, event: LifeEvent): Effective {
    const verified = verifiedFactValues(catalogue, eventFacts(catalogue, event), saved.verified);
    const overridden: Effective['overridden'] = [];
    for (const [factId, value] of Object.entries(verified)) {
      const entered = saved.answers[factId];
      if (entered !== undefined && entered !== null && entered !== value) {
        overridden.push({ factId, entered: String(entered), verified: value });
      }
    }
    return { saved: { ...saved, answers: { ...saved.answers, ...verified } }, verified, overridden };
  }

  /**
   * The journey for the saved answers. Any failure (a date saved before dates were bounded, an answer
   * the catalogue no longer accepts, a rule that fails) becomes `Unevaluable`, which the pages turn
   * into the page that lets the person fix the journey — never a 500.
   */
  function evaluate(saved: SavedJourney): Journey {
    try {
      return evaluateJourney(catalogue, saved.eventId, saved.eventDate, knownAnswers(saved), {
        today: today(),
      });
    } catch (err) {
      throw new Unevaluable(err);
    }
  }

  /**
   * The dates the event's date may take: the accepted dates. A date before some services' rules is
   * accepted too: those steps are "not known" with the date their rules start, the others worked out.
   */
  function eventDateRange(event: LifeEvent, now: string): { earliest: string; latest: string } {
    return acceptedDates(now, { notFuture: eventDateNotFuture(event) });
  }

  /**
   * The page that changes a journey's date; with `failure`, it says why the journey cannot be worked
   * out, and links to the answers the rules refuse.
   */
  function fixDateContext(
    saved: SavedJourney,
    event: LifeEvent,
    failure: unknown,
    extra: Record<string, unknown> = {},
  ) {
    const now = today();
    const range = eventDateRange(event, now);
    const noun = EVENT_DATE_NOUNS[event.id] ?? 'The date';
    const real = /^\d{4}-\d{2}-\d{2}$/.test(saved.eventDate);
    const shown = real ? formatDate(saved.eventDate) : saved.eventDate;
    const dateBad =
      !real ||
      saved.eventDate < range.earliest ||
      saved.eventDate > range.latest ||
      (isGovbridgeError(failure) && failure.detail?.['field'] === 'eventDate');
    const badAnswers = [];
    for (const [id, value] of Object.entries(saved.answers)) {
      const fact = catalogue.facts.get(id);
      if (!fact || value === null || !checkFactValue(fact, value, now)) continue;
      badAnswers.push({
        href: questionHref(saved.journeyId, id, 'journey'),
        text: `${fact.question} (you answered ${formatFactValue(fact, value)})`,
      });
    }
    const between = `between ${formatDate(range.earliest)} and ${formatDate(range.latest)}`;
    let problem: string | undefined;
    if (failure !== undefined) {
      problem = dateBad
        ? `${noun}, ${shown}, is not one we can work out a journey for. Enter a date ${between}.`
        : badAnswers.length > 0
          ? 'Some of your answers are not ones we can work out a journey for.'
          : `Something in this journey cannot be worked out with the current rules (version ${catalogue.version}). Check the date, or start a new journey.`;
    }
    return {
      pageTitle: failure !== undefined ? 'We cannot work out this journey yet' : 'Change the date',
      eventName: event.name,
      eventDateQuestion: event.eventDate.question,
      action: `/life-events/journeys/${encodeURIComponent(saved.journeyId)}/date`,
      problem,
      badAnswers,
      earliest: formatDate(range.earliest),
      latest: formatDate(range.latest),
      values: real
        ? {
            day: String(Number(saved.eventDate.slice(8, 10))),
            month: String(Number(saved.eventDate.slice(5, 7))),
            year: saved.eventDate.slice(0, 4),
          }
        : {},
      fieldErrors: {},
      ...extra,
    };
  }

  /** Show the fix page for a journey that cannot be worked out (and log the refusal once). */
  function unevaluable(
    req: FastifyRequest,
    reply: FastifyReply,
    saved: SavedJourney,
    event: LifeEvent,
    err: Unevaluable,
  ) {
    req.log.warn(
      {
        code: 'journey_unevaluable',
        check: 'evaluate saved journey',
        reason: isGovbridgeError(err.failure) ? err.failure.code : 'error',
        eventId: event.id,
      },
      'a saved journey cannot be worked out: showing the page to fix it',
    );
    return reply.view('journeys/fix-date.njk', fixDateContext(saved, event, err.failure));
  }

  async function chooseContext(accountId: string, extra: Record<string, unknown>) {
    const now = today();
    const mine = [];
    for (const saved of await journeys.list(accountId)) {
      const event = catalogue.events.get(saved.eventId);
      if (!event) continue;
      let progress = '';
      try {
        const e = effective(saved, event).saved;
        progress = progressText(progressOf(evaluate(e), e, now));
      } catch {
        progress = 'Cannot be worked out';
      }
      mine.push({
        href: `/life-events/journeys/${encodeURIComponent(saved.journeyId)}`,
        name: event.name,
        date: formatDate(saved.eventDate),
        progress,
      });
    }
    return {
      pageTitle: 'Plan what to do after a life event',
      events: events.map((e) => ({ value: e.id, text: e.name, hint: { text: e.description } })),
      journeys: mine,
      catalogueVersion: catalogue.version,
      values: {},
      fieldErrors: {},
      ...extra,
    };
  }

  app.get<{ Querystring: { event?: string } }>('/life-events', async (req, reply) => {
    const accountId = await account(req, reply);
    if (!accountId) return reply;
    const wanted = typeof req.query.event === 'string' ? req.query.event : undefined;
    if (wanted !== undefined && !catalogue.events.has(wanted)) {
      const message = 'We do not know that life event. Select a life event from the list';
      return reply.code(400).view(
        'journeys/choose.njk',
        await chooseContext(accountId, {
          errorList: [{ text: message, href: `#event` }],
          fieldErrors: { event: { text: message } },
        }),
      );
    }
    return reply.view('journeys/choose.njk', await chooseContext(accountId, { values: { event: wanted } }));
  });

  app.post<{ Body: Body }>(
    '/life-events/start',
    { preHandler: verifyCsrf, config: { formPage: '/life-events' } },
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const body = req.body ?? {};
      const eventId = str(body['event']);
      const event = catalogue.events.get(eventId);
      const values = {
        event: event ? eventId : undefined,
        day: str(body['eventDate-day']),
        month: str(body['eventDate-month']),
        year: str(body['eventDate-year']),
      };
      const errorList: { text: string; href: string }[] = [];
      const fieldErrors: Record<string, { text: string }> = {};
      let dateField: string | undefined;
      if (!event) {
        const text = eventId
          ? 'We do not know that life event. Select a life event from the list'
          : 'Select a life event';
        errorList.push({ text, href: '#event' });
        fieldErrors['event'] = { text };
      }
      const noun = (event && EVENT_DATE_NOUNS[event.id]) ?? 'The date';
      const date = readDate(
        {
          day: body['eventDate-day'],
          month: body['eventDate-month'],
          year: body['eventDate-year'],
        } satisfies DateFields,
        noun,
        { notFuture: event ? eventDateNotFuture(event) : false, today: today() },
      );
      if (!date.ok) {
        errorList.push({
          text: date.message,
          href: `#eventDate-${date.field === 'value' ? 'day' : date.field}`,
        });
        fieldErrors['eventDate'] = { text: date.message };
        dateField = date.field;
      }
      // A date before some services' rules is accepted: those steps say from when the rules are held
      // (eligibility `outside_rules`), and the others are worked out.
      if (errorList.length > 0 || !event || !date.ok) {
        return reply
          .code(400)
          .view(
            'journeys/choose.njk',
            await chooseContext(accountId, { values, errorList, fieldErrors, dateField }),
          );
      }
      const saved = await journeys.create({ accountId, eventId: event.id, eventDate: String(date.value) });
      return reply.redirect(`/life-events/journeys/${encodeURIComponent(saved.journeyId)}/questions`, 303);
    },
  );

  /**
   * The questions in the order they were asked: replayed from the verified values, asking the next
   * question the rules need and taking the saved answer, until one is not answered. The rules decide
   * which question comes next from the answers before it, so this is the order the person saw.
   */
  function askedOrder(eff: Effective): string[] {
    const saved = eff.saved;
    const asked: string[] = [];
    const sofar: Record<string, SavedJourney['answers'][string]> = { ...eff.verified };
    for (let i = 0; i < 200; i++) {
      const partial: SavedJourney = { ...saved, answers: sofar };
      const next = nextQuestion(evaluate(partial), partial);
      if (next === undefined || !(next in saved.answers)) break;
      asked.push(next);
      sofar[next] = saved.answers[next]!;
    }
    return asked;
  }

  /**
   * The back link of a question: to the summary it was changed from, else to the question asked
   * before it, else (the first question) to the journey, where the event and its date can be changed.
   */
  function questionBack(eff: Effective, factId: string, back: ReturnTarget | undefined) {
    const id = eff.saved.journeyId;
    if (back) return { href: returnHref(id, back), text: 'Back' };
    let asked: string[] = [];
    try {
      asked = askedOrder(eff);
    } catch {
      // Not worked out (a saved answer the rules refuse): back to the journey, which says why.
    }
    const at = asked.indexOf(factId);
    const previous = at > 0 ? asked[at - 1] : at === -1 ? asked.at(-1) : undefined;
    return previous
      ? { href: questionHref(id, previous), text: 'Back' }
      : { href: `/life-events/journeys/${encodeURIComponent(id)}`, text: 'Back to your journey' };
  }

  function questionContext(
    eff: Effective,
    event: LifeEvent,
    fact: Fact,
    values: Record<string, string>,
    back: ReturnTarget | undefined,
    extra: Record<string, unknown> = {},
  ) {
    const saved = eff.saved;
    const unit =
      /SGD/.test(fact.question) || fact.id.endsWith('_sgd')
        ? 'S$'
        : /GBP/.test(fact.question)
          ? '£'
          : undefined;
    return {
      pageTitle: fact.question,
      eventName: event.name,
      journeyId: saved.journeyId,
      action: questionHref(saved.journeyId, fact.id),
      returnTo: back,
      backLink: questionBack(eff, fact.id, back),
      fact: {
        id: fact.id,
        type: fact.type,
        question: fact.question,
        hint: fact.hint,
        prefix: unit,
        options: (fact.options ?? []).map((opt) => ({
          value: opt.value,
          text: opt.text,
          checked: values['value'] === opt.value,
        })),
      },
      values,
      fieldErrors: {},
      ...extra,
    };
  }

  function valuesOf(fact: Fact, answer: unknown): Record<string, string> {
    if (answer === null || answer === undefined) return {};
    if (fact.type === 'boolean') return { value: answer ? 'yes' : 'no' };
    if (fact.type === 'date' && typeof answer === 'string') {
      return {
        day: String(Number(answer.slice(8, 10))),
        month: String(Number(answer.slice(5, 7))),
        year: answer.slice(0, 4),
      };
    }
    return { value: String(answer) };
  }

  /** The event's question `factId`, or "not found" (a GOV.UK 404 page) for any other id. */
  function questionOf(event: LifeEvent, factId: string): Fact {
    const fact = catalogue.facts.get(factId);
    if (!fact || !eventFacts(catalogue, event).includes(factId)) {
      throw new GovbridgeError('not_found', 'This journey has no such question');
    }
    return fact;
  }

  // The next question: its own URL (or the journey when the rules need nothing more). `?fact=` is
  // the old form of a question's link, kept so saved links still work.
  app.get<{ Params: { id: string }; Querystring: { fact?: string } }>(
    '/life-events/journeys/:id/questions',
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const loaded = await load(accountId, req.params.id);
      const { event } = loaded;
      const saved = effective(loaded.saved, event).saved;
      if (typeof req.query.fact === 'string') {
        questionOf(event, req.query.fact);
        return reply.redirect(questionHref(saved.journeyId, req.query.fact), 303);
      }
      let factId: string | undefined;
      try {
        factId = nextQuestion(evaluate(saved), saved);
      } catch (err) {
        if (err instanceof Unevaluable) return unevaluable(req, reply, saved, event, err);
        throw err;
      }
      return reply.redirect(
        factId === undefined
          ? `/life-events/journeys/${encodeURIComponent(saved.journeyId)}`
          : questionHref(saved.journeyId, factId),
        303,
      );
    },
  );

  app.get<{ Params: { id: string; fact: string }; Querystring: { return?: string } }>(
    '/life-events/journeys/:id/questions/:fact',
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const loaded = await load(accountId, req.params.id);
      const { event } = loaded;
      const fact = questionOf(event, req.params.fact);
      const eff = effective(loaded.saved, event);
      const back = returnTarget(req.query.return);
      // A verified detail is not asked: the journey page says where it came from.
      if (fact.id in eff.verified) {
        return reply.redirect(
          back
            ? returnHref(eff.saved.journeyId, back)
            : `/life-events/journeys/${encodeURIComponent(eff.saved.journeyId)}/questions`,
          303,
        );
      }
      return reply.view(
        'journeys/question.njk',
        questionContext(eff, event, fact, valuesOf(fact, eff.saved.answers[fact.id]), back),
      );
    },
  );

  async function answer(
    req: FastifyRequest<{ Params: { id: string; fact?: string }; Body: Body }>,
    reply: FastifyReply,
  ) {
    const accountId = await account(req, reply);
    if (!accountId) return reply;
    const { saved, event } = await load(accountId, req.params.id);
    const body = req.body ?? {};
    const factId = req.params.fact ?? str(body['fact']);
    const fact = catalogue.facts.get(factId);
    if (!fact || !eventFacts(catalogue, event).includes(factId)) {
      if (req.params.fact !== undefined) questionOf(event, factId);
      throw new GovbridgeError(
        'bad_request',
        'This question is not part of your journey. Go back to your journey and try again.',
      );
    }
    const back = returnTarget(body['return']);
    const next = back
      ? returnHref(saved.journeyId, back)
      : `/life-events/journeys/${encodeURIComponent(saved.journeyId)}/questions`;
    if (body['skip'] !== undefined) {
      await journeys.updateAnswers(accountId, saved.journeyId, { [factId]: null });
      return reply.redirect(next, 303);
    }
    const result = readAnswer(fact, body, today());
    if (!result.ok) {
      const href =
        fact.type === 'date' ? `#value-${result.field === 'value' ? 'day' : result.field}` : '#value';
      const values: Record<string, string> =
        fact.type === 'date'
          ? { day: str(body['value-day']), month: str(body['value-month']), year: str(body['value-year']) }
          : { value: str(body['value']) };
      return reply.code(400).view(
        'journeys/question.njk',
        questionContext(effective(saved, event), event, fact, values, back, {
          errorList: [{ text: result.message, href }],
          fieldErrors: { value: { text: result.message } },
          dateField: result.field,
        }),
      );
    }
    await journeys.updateAnswers(accountId, saved.journeyId, { [factId]: result.value });
    return reply.redirect(next, 303);
  }

  app.post<{ Params: { id: string; fact: string }; Body: Body }>(
    '/life-events/journeys/:id/questions/:fact',
    { preHandler: verifyCsrf },
    answer,
  );
  // The old form (the question in a hidden field), kept so a page loaded before still works.
  app.post<{ Params: { id: string }; Body: Body }>(
    '/life-events/journeys/:id/questions',
    { preHandler: verifyCsrf },
    answer,
  );

  /** What to offer about verified details: which would be used, from where, and why. */
  function verifyOffer(saved: SavedJourney, event: LifeEvent) {
    if (!o.login || schemes.length === 0 || saved.verified) return undefined;
    const facts = verifiableFacts(catalogue, eventFacts(catalogue, event));
    if (facts.length === 0) return undefined;
    const from = schemes.map((x) => SCHEME_NAMES[x] ?? x).join(' or ');
    return {
      details: facts.map((f) => {
        const neededBy = event.services
          .filter((id) => catalogue.services.get(id)?.facts.includes(f.id))
          .map((id) => catalogue.services.get(id)?.name ?? id);
        return {
          key: { text: DETAIL_WORDS[f.verifiedFrom!] ?? f.verifiedFrom! },
          value: {
            text: `From ${from}, whichever you choose. Used to answer “${f.question}” for: ${neededBy.join(', ')}.`,
          },
        };
      }),
      purpose: LIFE_EVENTS_PURPOSE,
      schemes: schemes.map((x) => ({ value: x, text: SCHEME_NAMES[x] ?? x })),
    };
  }

  /**
   * Per fact the journey uses: its value and where it came from (verified, or the citizen's answer),
   * with a "Change" link to the question for the citizen's own answers (GOV.UK "check answers": the
   * link names the answer for screen readers, and saving it comes back here). Answers skipped with
   * "I don't know" are listed too, so they can be given later. Verified details are changed where
   * they are verified, not here.
   */
  function factsUsed(eff: Effective, event: LifeEvent) {
    const source = eff.saved.verified
      ? (SCHEME_NAMES[eff.saved.verified.scheme] ?? eff.saved.verified.scheme)
      : '';
    const rows = [];
    for (const id of eventFacts(catalogue, event)) {
      const value = eff.saved.answers[id];
      if (value === undefined) continue;
      const fact = catalogue.facts.get(id);
      const verified = id in eff.verified;
      rows.push({
        key: { text: fact?.question ?? id },
        value: {
          text:
            value === null
              ? 'You said you do not know'
              : `${formatFactValue(fact, value)} (${verified ? `from ${source}, verified` : 'you told us'})`,
        },
        ...(verified
          ? {}
          : {
              actions: {
                items: [
                  {
                    href: questionHref(eff.saved.journeyId, id, 'journey'),
                    text: 'Change',
                    visuallyHiddenText: answerName(fact, id),
                  },
                ],
              },
            }),
      });
    }
    return rows;
  }

  function journeyContext(eff: Effective, event: LifeEvent, extra: Record<string, unknown> = {}) {
    const saved = eff.saved;
    const journey = evaluate(saved);
    const now = today();
    const progress = progressOf(journey, saved, now);
    const next = nextQuestion(journey, saved);
    const skipped = Object.entries(saved.answers)
      .filter(([, v]) => v === null)
      .map(([id]) => id);
    const verified = saved.verified;
    const source = verified ? (SCHEME_NAMES[verified.scheme] ?? verified.scheme) : '';
    return {
      pageTitle: `${event.name}: your journey`,
      eventName: event.name,
      eventDate: formatDate(saved.eventDate),
      eventDateQuestion: event.eventDate.question,
      journeyId: saved.journeyId,
      steps: stepsView(catalogue, journey, saved, now),
      progress,
      progressText: progressText(progress),
      nextQuestionHref: next
        ? `/life-events/journeys/${encodeURIComponent(saved.journeyId)}/questions`
        : undefined,
      skippedCount: skipped.length,
      backLink: { href: '/life-events', text: 'Your life events' },
      catalogueVersion: journey.catalogueVersion,
      savedUnderVersion:
        saved.catalogueVersion !== null && saved.catalogueVersion !== journey.catalogueVersion
          ? saved.catalogueVersion
          : undefined,
      offer: verifyOffer(saved, event),
      factsUsed: factsUsed(eff, event),
      verifiedNote: verified
        ? `Verified details from ${source}, ${formatDate(verified.verifiedAt.slice(0, 10))} (trust framework ${verified.trustFrameworkVersion}), used with your consent. You can withdraw it on your consents page.`
        : undefined,
      overridden: eff.overridden.map((x) => {
        const fact = catalogue.facts.get(x.factId);
        const detail = (DETAIL_WORDS[fact?.verifiedFrom ?? ''] ?? fact?.question ?? x.factId).toLowerCase();
        return `We used your ${detail} from ${source} (${formatFactValue(fact, x.verified)}) instead of the one you entered (${formatFactValue(fact, x.entered)}).`;
      }),
      fieldErrors: {},
      ...extra,
    };
  }

  app.get<{ Params: { id: string } }>('/life-events/journeys/:id', async (req, reply) => {
    const accountId = await account(req, reply);
    if (!accountId) return reply;
    const { saved, event } = await load(accountId, req.params.id);
    const tellOnce = o.reports ? await tellOnceSection(o.reports, accountId, saved) : undefined;
    const eff = effective(saved, event);
    try {
      return reply.view('journeys/journey.njk', journeyContext(eff, event, { tellOnce }));
    } catch (err) {
      if (err instanceof Unevaluable) return unevaluable(req, reply, eff.saved, event, err);
      throw err;
    }
  });

  app.post<{ Params: { id: string }; Body: Body }>(
    '/life-events/journeys/:id/verified',
    { preHandler: verifyCsrf, config: { formPage: '/life-events' } },
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const { saved, event } = await load(accountId, req.params.id);
      const here = `/life-events/journeys/${encodeURIComponent(saved.journeyId)}`;
      const body = req.body ?? {};
      const offer = verifyOffer(saved, event);
      if (!offer || !o.login || str(body['decision']) === 'decline') return reply.redirect(here, 303);
      const scheme = str(body['scheme']);
      if (scheme !== 'singpass' && scheme !== 'onelogin') {
        const text = 'Select how you want to prove your details';
        const eff = effective(saved, event);
        let context: ReturnType<typeof journeyContext>;
        try {
          context = journeyContext(eff, event, {
            errorList: [{ text, href: '#scheme' }],
            fieldErrors: { scheme: { text } },
          });
        } catch (err) {
          if (err instanceof Unevaluable) return unevaluable(req, reply, eff.saved, event, err);
          throw err;
        }
        return reply.code(400).view('journeys/journey.njk', context);
      }
      const attributes = [
        ...new Set(verifiableFacts(catalogue, eventFacts(catalogue, event)).map((f) => f.verifiedFrom!)),
      ];
      // The same browser binding as an account sign-in: the state works once, from this browser
      // only; the journey id and return path travel signed in the cookie, never through the scheme.
      const binding = randomId();
      reply.setCookie(bindingCookieName(o.config), `${binding}|${here}|${saved.journeyId}`, {
        ...hubCookieOptions(o.config),
        maxAge: 600,
      });
      const url = await o.login.startAccountSignIn(scheme, binding, attributes);
      return reply.redirect(url, 303);
    },
  );

  app.get<{ Params: { id: string } }>('/life-events/journeys/:id/date', async (req, reply) => {
    const accountId = await account(req, reply);
    if (!accountId) return reply;
    const { saved, event } = await load(accountId, req.params.id);
    const eff = effective(saved, event);
    try {
      evaluate(eff.saved);
    } catch (err) {
      if (err instanceof Unevaluable) return unevaluable(req, reply, eff.saved, event, err);
      throw err;
    }
    return reply.view('journeys/fix-date.njk', fixDateContext(eff.saved, event, undefined));
  });

  app.post<{ Params: { id: string }; Body: Body }>(
    '/life-events/journeys/:id/date',
    { preHandler: verifyCsrf, config: { formPage: '/life-events' } },
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const { saved, event } = await load(accountId, req.params.id);
      const body = req.body ?? {};
      const now = today();
      const noun = EVENT_DATE_NOUNS[event.id] ?? 'The date';
      const date = readDate(
        { day: body['eventDate-day'], month: body['eventDate-month'], year: body['eventDate-year'] },
        noun,
        { notFuture: eventDateNotFuture(event), today: now },
      );
      let message: string | undefined;
      let dateField: string = date.ok ? 'all' : date.field;
      if (!date.ok) message = date.message;
      else if (String(date.value) < eventDateRange(event, now).earliest) {
        message = `${noun} must be on or after ${formatDate(eventDateRange(event, now).earliest)}`;
        dateField = 'all';
      }
      if (message !== undefined || !date.ok) {
        let failure: unknown;
        try {
          evaluate(effective(saved, event).saved);
        } catch (err) {
          failure = err instanceof Unevaluable ? err.failure : err;
        }
        const text = message ?? 'Enter a real date';
        return reply.code(400).view(
          'journeys/fix-date.njk',
          fixDateContext(saved, event, failure, {
            values: {
              day: str(body['eventDate-day']),
              month: str(body['eventDate-month']),
              year: str(body['eventDate-year']),
            },
            errorList: [{ text, href: `#eventDate-${dateField === 'all' ? 'day' : dateField}` }],
            fieldErrors: { eventDate: { text } },
            dateField,
          }),
        );
      }
      await journeys.setEventDate(accountId, saved.journeyId, String(date.value));
      return reply.redirect(`/life-events/journeys/${encodeURIComponent(saved.journeyId)}`, 303);
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/life-events/journeys/:id/steps',
    { preHandler: verifyCsrf, config: { formPage: '/life-events' } },
    async (req, reply) => {
      const accountId = await account(req, reply);
      if (!accountId) return reply;
      const { saved, event } = await load(accountId, req.params.id);
      const body = req.body ?? {};
      const step = str(body['step']);
      const done = str(body['done']);
      if (!event.services.includes(step) || (done !== 'yes' && done !== 'no')) {
        throw new GovbridgeError(
          'bad_request',
          'We could not tell which step to update. Go back to your journey and try again.',
        );
      }
      await journeys.setStepDone(accountId, saved.journeyId, step, done === 'yes');
      return reply.redirect(
        `/life-events/journeys/${encodeURIComponent(saved.journeyId)}#${stepAnchor(step)}`,
        303,
      );
    },
  );
}

/**
 * How a Change link names an answer to a screen reader: the question without its question mark,
 * starting in lower case ("Change where was the baby born").
 */
function answerName(fact: Fact | undefined, id: string): string {
  const detail = fact?.verifiedFrom ? DETAIL_WORDS[fact.verifiedFrom] : undefined;
  if (detail) return detail.toLowerCase();
  const q = (fact?.question ?? id.replace(/_/g, ' ')).replace(/[?？]\s*$/, '').trim();
  return q.charAt(0).toLowerCase() + q.slice(1);
}

/** A saved journey the rules cannot work out; `failure` is why. */
class Unevaluable extends Error {
  readonly failure: unknown;
  constructor(failure: unknown) {
    super('the saved journey cannot be worked out');
    this.failure = failure;
  }
}

/** Register after webFoundation: `app.register(lifeEventPages, { config, catalogue, journeys })`. */
export const lifeEventPages: FastifyPluginAsync<LifeEventPagesOptions> = Object.assign(lifeEventPagesPlugin, {
  [Symbol.for('fastify.display-name')]: 'govbridge-life-event-pages',
});
