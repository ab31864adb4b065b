import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.ts';
import { GovbridgeError, isGovbridgeError } from '../../kernel/index.ts';
import {
  type Catalogue,
  evaluateJourney,
  type Fact,
  formatDate,
  type Journey,
  type JourneyStore,
  type LifeEvent,
  type SavedJourney,
} from '../../life-events/index.ts';
import { accountFromCookie } from '../account/account-cookie.ts';
import { todayInSingapore } from '../life-events-api/index.ts';
import { eventDateNotFuture } from '../life-events-api/journey-request.ts';
import { verifyCsrf } from '../security.ts';
import {
  earliestEventDate,
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
 *   GET  /life-events/journeys/:id/questions       the next question the rules still need (one per page)
 *   POST /life-events/journeys/:id/questions       answer it (or skip: "I don't know")
 *   GET  /life-events/journeys/:id                 the journey: steps in order with status
 *   POST /life-events/journeys/:id/steps           mark a step done / not done
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
}

/** Short names for event dates in messages ("Date of death must be today or in the past"). */
const EVENT_DATE_NOUNS: Readonly<Record<string, string>> = {
  death_of_a_loved_one: 'Date of death',
  having_a_baby: 'Date of birth',
  moving_singapore_to_uk: 'The date you move',
  moving_uk_to_singapore: 'The date you move',
};

type Body = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

async function lifeEventPagesPlugin(app: FastifyInstance, o: LifeEventPagesOptions): Promise<void> {
  const { catalogue, journeys } = o;
  const today = o.today ?? todayInSingapore;
  const events = [...catalogue.events.values()];

  /** The signed-in account, or undefined after sending the "sign in first" page. */
  function account(req: FastifyRequest, reply: FastifyReply): string | undefined {
    const accountId = accountFromCookie(req, o.config);
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

  /** The journey for the saved answers; a date the catalogue cannot cover is explained, not a 500. */
  function evaluate(saved: SavedJourney): Journey {
    try {
      return evaluateJourney(catalogue, saved.eventId, saved.eventDate, knownAnswers(saved), {
        today: today(),
      });
    } catch (err) {
      if (isGovbridgeError(err) && err.code === 'bad_request') {
        throw new GovbridgeError(
          'bad_request',
          `We cannot work out this journey: ${err.message}. Start a new journey with another date.`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async function chooseContext(accountId: string, extra: Record<string, unknown>) {
    const now = today();
    const mine = [];
    for (const saved of await journeys.list(accountId)) {
      const event = catalogue.events.get(saved.eventId);
      if (!event) continue;
      let progress = '';
      try {
        progress = progressText(progressOf(evaluate(saved), saved, now));
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
      values: {},
      fieldErrors: {},
      ...extra,
    };
  }

  app.get<{ Querystring: { event?: string } }>('/life-events', async (req, reply) => {
    const accountId = account(req, reply);
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
      const accountId = account(req, reply);
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
      let earliest: string | undefined;
      if (!date.ok) {
        errorList.push({
          text: date.message,
          href: `#eventDate-${date.field === 'value' ? 'day' : date.field}`,
        });
        fieldErrors['eventDate'] = { text: date.message };
        dateField = date.field;
      } else if (event) {
        const min = earliestEventDate(catalogue, event);
        if (typeof date.value === 'string' && date.value < min) {
          earliest = formatDate(min);
          const text = `${noun} must be on or after ${earliest}`;
          errorList.push({ text, href: '#eventDate-day' });
          fieldErrors['eventDate'] = { text };
          dateField = 'all';
        }
      }
      if (errorList.length > 0 || !event || !date.ok) {
        return reply
          .code(400)
          .view(
            'journeys/choose.njk',
            await chooseContext(accountId, { values, errorList, fieldErrors, dateField, earliest }),
          );
      }
      const saved = await journeys.create({ accountId, eventId: event.id, eventDate: String(date.value) });
      return reply.redirect(`/life-events/journeys/${encodeURIComponent(saved.journeyId)}/questions`, 303);
    },
  );

  function questionContext(
    saved: SavedJourney,
    event: LifeEvent,
    fact: Fact,
    values: Record<string, string>,
    extra: Record<string, unknown> = {},
  ) {
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
      action: `/life-events/journeys/${encodeURIComponent(saved.journeyId)}/questions`,
      backLink: {
        href: `/life-events/journeys/${encodeURIComponent(saved.journeyId)}`,
        text: 'Back to your journey',
      },
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

  app.get<{ Params: { id: string }; Querystring: { fact?: string } }>(
    '/life-events/journeys/:id/questions',
    async (req, reply) => {
      const accountId = account(req, reply);
      if (!accountId) return reply;
      const { saved, event } = await load(accountId, req.params.id);
      let factId = typeof req.query.fact === 'string' ? req.query.fact : undefined;
      if (factId !== undefined && !eventFacts(catalogue, event).includes(factId)) {
        throw new GovbridgeError('not_found', 'This journey has no such question');
      }
      factId ??= nextQuestion(evaluate(saved), saved);
      if (factId === undefined) {
        return reply.redirect(`/life-events/journeys/${encodeURIComponent(saved.journeyId)}`, 303);
      }
      const fact = catalogue.facts.get(factId)!;
      return reply.view(
        'journeys/question.njk',
        questionContext(saved, event, fact, valuesOf(fact, saved.answers[factId])),
      );
    },
  );

  app.post<{ Params: { id: string }; Body: Body }>(
    '/life-events/journeys/:id/questions',
    { preHandler: verifyCsrf },
    async (req, reply) => {
      const accountId = account(req, reply);
      if (!accountId) return reply;
      const { saved, event } = await load(accountId, req.params.id);
      const body = req.body ?? {};
      const factId = str(body['fact']);
      const fact = catalogue.facts.get(factId);
      if (!fact || !eventFacts(catalogue, event).includes(factId)) {
        throw new GovbridgeError(
          'bad_request',
          'This question is not part of your journey. Go back to your journey and try again.',
        );
      }
      const next = `/life-events/journeys/${encodeURIComponent(saved.journeyId)}/questions`;
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
          questionContext(saved, event, fact, values, {
            errorList: [{ text: result.message, href }],
            fieldErrors: { value: { text: result.message } },
            dateField: result.field,
          }),
        );
      }
      await journeys.updateAnswers(accountId, saved.journeyId, { [factId]: result.value });
      return reply.redirect(next, 303);
    },
  );

  app.get<{ Params: { id: string } }>('/life-events/journeys/:id', async (req, reply) => {
    const accountId = account(req, reply);
    if (!accountId) return reply;
    const { saved, event } = await load(accountId, req.params.id);
    const journey = evaluate(saved);
    const now = today();
    const progress = progressOf(journey, saved, now);
    const next = nextQuestion(journey, saved);
    const skipped = Object.entries(saved.answers)
      .filter(([, v]) => v === null)
      .map(([id]) => id);
    return reply.view('journeys/journey.njk', {
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
    });
  });

  app.post<{ Params: { id: string }; Body: Body }>(
    '/life-events/journeys/:id/steps',
    { preHandler: verifyCsrf, config: { formPage: '/life-events' } },
    async (req, reply) => {
      const accountId = account(req, reply);
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

/** Register after webFoundation: `app.register(lifeEventPages, { config, catalogue, journeys })`. */
export const lifeEventPages: FastifyPluginAsync<LifeEventPagesOptions> = Object.assign(lifeEventPagesPlugin, {
  [Symbol.for('fastify.display-name')]: 'govbridge-life-event-pages',
});
