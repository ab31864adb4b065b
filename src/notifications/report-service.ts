import { createHmac, hkdfSync } from 'node:crypto';
import { sql } from 'kysely';
import { type Clock, GovbridgeError, randomId, seal, systemClock, unseal } from '../kernel/index.ts';
import { appendMissing, type Ledger, type ReleaseRecord, type RepairLog } from '../ledger/index.ts';
import type { Storage } from '../storage/index.ts';
import type { AgencyRegistry } from './agency-registry.ts';
import type {
  Agency,
  EventTypes,
  FieldDecision,
  NotificationState,
  ReleaseDecider,
  ReportFields,
} from './types.ts';
import { checkReport, reportInvalid } from './validate-report.ts';

export interface ReportServiceOptions {
  storage: Storage;
  kek: Uint8Array;
  agencies: AgencyRegistry;
  eventTypes: EventTypes;
  /** The release policy (issue "Data security"); without one every entitled field is allowed. */
  decide?: ReleaseDecider;
  /** Called after a report is committed, so an in-process worker starts at once. */
  onSubmitted?: () => void;
  /** The transparency ledger: each notification is a release, appended once the report is committed. */
  ledger?: Ledger;
  /** Trust-framework version recorded with each release. */
  trustFrameworkVersion?: string;
  clock?: Clock;
  /**
   * How long the same report re-sent by the same account (new submission key, same content) is
   * taken to be the first one and not sent again. Default DUPLICATE_WINDOW_MS (24 hours).
   */
  duplicateWindowMs?: number;
}

/**
 * 24 hours: long enough to cover a citizen who saw errors while the hubs were down and tries again
 * later that day or the next morning; short enough that a genuinely new report of the same facts (a
 * correction sent again the next week, after an agency asked) is not swallowed.
 */
export const DUPLICATE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface ReportInput {
  accountId: string;
  journeyId?: string | undefined;
  eventType: string;
  /** `YYYY-MM-DD`: the date of the event (death, birth, move). */
  occurredOn: string;
  fields: ReportFields;
}

/** Who will be told what: one row per subscribed agency. */
export interface RecipientPlan {
  agency: Pick<Agency, 'agencyId' | 'name' | 'country' | 'website' | 'environment'>;
  /** Fields this agency will receive (entitled, provided and allowed by policy), in the event's order. */
  attributes: string[];
  /** Fields it is entitled to and that were provided but the policy withholds, with why. */
  withheld: FieldDecision[];
  /** Ids of the policies that decided, in order. */
  decisions: string[];
}

export interface NotificationStatus {
  notificationId: string;
  agency: Pick<Agency, 'agencyId' | 'name' | 'country' | 'website'>;
  attributes: string[];
  state: NotificationState;
  attempts: number;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  lastError: string | null;
}

export interface ReportView {
  reportId: string;
  eventType: string;
  occurredOn: string;
  journeyId: string | null;
  createdAt: number;
  notifications: NotificationStatus[];
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Report once: a citizen's report of a life event and one notification per entitled agency, written
 * in ONE transaction (transactional outbox), so a report is never half-sent; the delivery worker
 * picks the notifications up from the table. Values are sealed with the key-encryption key; only
 * field names are stored in clear (for the status pages).
 */
export class ReportService {
  readonly #o: ReportServiceOptions;
  readonly #clock: Clock;
  readonly #fingerprintKey: Uint8Array;
  readonly #window: number;

  constructor(options: ReportServiceOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    // A key of its own for content fingerprints, derived from the key-encryption key (RFC 5869).
    this.#fingerprintKey = new Uint8Array(
      hkdfSync('sha256', options.kek, new Uint8Array(0), 'govbridge report content fingerprint v1', 32),
    );
    this.#window = options.duplicateWindowMs ?? DUPLICATE_WINDOW_MS;
  }

  /** Check a report and say which agency would receive which fields — nothing is written. */
  async preview(input: Omit<ReportInput, 'accountId'>): Promise<RecipientPlan[]> {
    this.#validate(input);
    return this.#plan(input.eventType, input.fields);
  }

  /**
   * Write the report and its notifications. `submissionKey` makes it idempotent: the same key from
   * the same account (a double click, a retried request) returns the first report. So does the same
   * content: the same account sending a report with the same event type, date and fields within the
   * duplicate window (24 hours) gets the first report (`created: false`) — a citizen who saw errors
   * while the first had committed and sent again from a re-rendered form (new key) — and agencies are
   * told once. The check is a unique keyed hash of the canonicalised report (`reports.content_key`),
   * so two requests racing, in one process or two, insert one report.
   */
  async submit(
    input: ReportInput & {
      submissionKey: string;
      /**
       * The agencies the citizen chose to tell (issue 12); the others are not told. Without it, every
       * agency the plan gives something to. Part of the content fingerprint when given, so telling
       * the agencies left out, later, is a new report and not "already sent".
       */
      agencies?: readonly string[];
      /**
       * What the citizen confirmed on "check before you send": the fields shown for each agency, by
       * agency id. Given, each field is released with consent only when confirmed for that agency
       * (the release policy's `consentGiven`); without it, the plan is decided as before confirmation.
       */
      confirmed?: Readonly<Record<string, readonly string[]>>;
    },
  ): Promise<{ reportId: string; created: boolean }> {
    if (!ID.test(input.submissionKey)) {
      throw new GovbridgeError('bad_request', 'Invalid submission key');
    }
    this.#validate(input);
    const contentKey = this.#contentKey(input);
    const windowStart = this.#clock.now().getTime() - this.#window;
    // No read before the write: the unique indexes (submission key, content key) decide whether this
    // is a new report (see #write); a retry is looked up only when the write inserted nothing.
    // Each agency's attempt limit, from the same read of the registry as the plan.
    const limits = new Map<string, number>();
    const plan = (await this.#plan(input.eventType, input.fields, limits, input.confirmed)).filter(
      (p) =>
        p.attributes.length > 0 &&
        (input.agencies === undefined || input.agencies.includes(p.agency.agencyId)),
    );
    if (plan.length === 0) {
      // A retry of a report sent before the registry changed is still that report.
      const first = await this.#winner(input.accountId, input.submissionKey, contentKey, windowStart);
      if (first) return { reportId: first, created: false };
      throw new GovbridgeError('conflict', 'No agency is registered to be told about this event', {
        status: 409,
      });
    }
    const now = this.#clock.now().getTime();
    const reportId = `rpt_${randomId(16)}`;
    const report = {
      eventType: input.eventType,
      occurredOn: input.occurredOn,
      fields: input.fields,
    };
    const rows: NotificationRow[] = plan.map((p) => {
      const notificationId = `ntf_${randomId(16)}`;
      const attributes = Object.fromEntries(p.attributes.map((a) => [a, input.fields[a]]));
      return {
        notification_id: notificationId,
        report_id: reportId,
        agency_id: p.agency.agencyId,
        event_type: input.eventType,
        attributes: JSON.stringify(p.attributes),
        payload_sealed: seal(
          this.#o.kek,
          JSON.stringify({ occurredOn: input.occurredOn, attributes }),
          `notification:${notificationId}`,
        ),
        state: 'pending',
        attempts: 0,
        attempt_limit: limits.get(p.agency.agencyId) ?? 1,
        next_attempt_at: now,
        claim_token: null,
        last_status: null,
        last_error: null,
        created_at: now,
        updated_at: now,
        delivered_at: null,
        decisions: JSON.stringify(p.decisions),
        withheld:
          p.withheld.length > 0
            ? JSON.stringify(p.withheld.map((w) => ({ attribute: w.field, policies: w.policies })))
            : null,
      };
    });
    const reportRow = {
      report_id: reportId,
      account_id: input.accountId,
      journey_id: input.journeyId ?? null,
      event_type: input.eventType,
      occurred_on: input.occurredOn,
      payload_sealed: seal(this.#o.kek, JSON.stringify(report), `report:${reportId}`),
      submission_key: input.submissionKey,
      created_at: now,
      content_key: contentKey,
    };
    for (let attempt = 1; ; attempt++) {
      let written: boolean;
      try {
        written = await this.#write(reportRow, rows);
      } catch (err) {
        // The database is away (or refused): if the report was committed after all, return it.
        let winner: string | undefined;
        try {
          winner = await this.#winner(input.accountId, input.submissionKey, contentKey, windowStart);
        } catch {
          // The database is away: the first error says why.
        }
        if (winner) return { reportId: winner, created: false };
        throw err;
      }
      if (written) break;
      // A unique index held: the same submission key, or the same content, is there already — a
      // retry, or two submissions racing (the other committed first; this one waited for it).
      const winner = await this.#winner(input.accountId, input.submissionKey, contentKey, windowStart);
      if (winner) return { reportId: winner, created: false };
      if (attempt >= 3) {
        throw new GovbridgeError('conflict', 'The report could not be written; send it again', {
          status: 409,
        });
      }
      // The content key is held by a report older than the window: it no longer holds the key.
      await this.#o.storage.db
        .updateTable('reports')
        .set({ content_key: null })
        .where('content_key', '=', contentKey)
        .where('created_at', '<', windowStart)
        .execute();
    }
    this.#o.onSubmitted?.();
    // Each notification is a release of the citizen's data to an agency: into the transparency
    // ledger once committed (a crash in between is healed at the next start).
    if (this.#o.ledger) {
      await this.#o.ledger.appendMany(
        rows.map((r, i) =>
          notificationLedgerRecord({
            notificationId: r.notification_id,
            reportId,
            accountId: input.accountId,
            agencyId: r.agency_id,
            country: plan[i]!.agency.country,
            eventType: input.eventType,
            released: plan[i]!.attributes,
            withheld: plan[i]!.withheld.map((w) => ({ attribute: w.field, policies: w.policies })),
            decisions: plan[i]!.decisions,
            trustFrameworkVersion: this.#o.trustFrameworkVersion ?? 'unknown',
            at: new Date(now),
          }),
        ),
      );
    }
    return { reportId, created: true };
  }

  /** A report and where each notification is, for its author only. */
  async get(accountId: string, reportId: string): Promise<ReportView> {
    const report = ID.test(reportId)
      ? await this.#o.storage.db
          .selectFrom('reports')
          .select(['report_id', 'event_type', 'occurred_on', 'journey_id', 'created_at'])
          .where('report_id', '=', reportId)
          .where('account_id', '=', accountId)
          .executeTakeFirst()
      : undefined;
    if (!report) throw new GovbridgeError('not_found', 'No such report');
    return (await this.#views([report]))[0]!;
  }

  /** Every report an account made, newest first. */
  async list(accountId: string, options: { journeyId?: string } = {}): Promise<ReportView[]> {
    let q = this.#o.storage.db
      .selectFrom('reports')
      .select(['report_id', 'event_type', 'occurred_on', 'journey_id', 'created_at'])
      .where('account_id', '=', accountId);
    if (options.journeyId) q = q.where('journey_id', '=', options.journeyId);
    return this.#views(await q.orderBy('created_at', 'desc').limit(100).execute());
  }

  /** The fields of a report as the citizen entered them (their own data, for their own pages). */
  async fields(accountId: string, reportId: string): Promise<ReportFields> {
    const row = await this.#o.storage.db
      .selectFrom('reports')
      .select('payload_sealed')
      .where('report_id', '=', reportId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) throw new GovbridgeError('not_found', 'No such report');
    return (
      JSON.parse(unseal(this.#o.kek, row.payload_sealed, `report:${reportId}`)) as { fields: ReportFields }
    ).fields;
  }

  /**
   * The report and its notifications, committed together or not at all; false (nothing written)
   * when a unique index of `reports` already holds its submission key or content key.
   * PostgreSQL: ONE statement (the report inserted in a WITH, the notifications from what it
   * returned), its own transaction — no BEGIN/COMMIT round trips. SQLite cannot insert inside WITH:
   * one transaction of two inserts (in process, no round trips to save).
   */
  async #write(report: ReportRow, rows: readonly NotificationRow[]): Promise<boolean> {
    const storage = this.#o.storage;
    if (writesInsideWith(storage)) {
      const values = sql.join(
        rows.map(
          (r) =>
            sql`(${r.notification_id}, ${r.agency_id}, ${r.event_type}, ${r.attributes}, ${r.payload_sealed}, ${r.attempt_limit}::integer, ${r.created_at}::bigint, ${r.decisions}, ${r.withheld})`,
        ),
      );
      const result = await sql<{ notification_id: string }>`
        WITH report AS (
          INSERT INTO reports (report_id, account_id, journey_id, event_type, occurred_on,
                               payload_sealed, submission_key, created_at, content_key)
          VALUES (${report.report_id}, ${report.account_id}, ${report.journey_id}, ${report.event_type},
                  ${report.occurred_on}, ${report.payload_sealed}, ${report.submission_key},
                  ${report.created_at}::bigint, ${report.content_key})
          ON CONFLICT DO NOTHING
          RETURNING report_id
        )
        INSERT INTO notifications (notification_id, report_id, agency_id, event_type, attributes,
                                   payload_sealed, state, attempts, attempt_limit, next_attempt_at,
                                   created_at, updated_at, decisions, withheld)
        SELECT n.notification_id, report.report_id, n.agency_id, n.event_type, n.attributes,
               n.payload_sealed, 'pending', 0, n.attempt_limit, n.at, n.at, n.at, n.decisions, n.withheld
        FROM report
        CROSS JOIN (VALUES ${values})
          AS n (notification_id, agency_id, event_type, attributes, payload_sealed, attempt_limit, at,
                decisions, withheld)
        RETURNING notification_id`.execute(storage.db);
      return result.rows.length === rows.length && rows.length > 0;
    }
    return storage.transaction(async (tx) => {
      const inserted = await tx
        .insertInto('reports')
        .values(report)
        .onConflict((oc) => oc.doNothing())
        .returning('report_id')
        .executeTakeFirst();
      if (!inserted) return false;
      await tx.insertInto('notifications').values(rows).execute();
      return true;
    });
  }

  /** The report a retry or a racing submission should get: same submission key, else same content. */
  async #winner(
    accountId: string,
    submissionKey: string,
    contentKey: string,
    since: number,
  ): Promise<string | undefined> {
    return (await this.#bySubmission(accountId, submissionKey)) ?? (await this.#byContent(contentKey, since));
  }

  #validate(input: Omit<ReportInput, 'accountId'>): void {
    const spec = this.#o.eventTypes[input.eventType];
    if (!spec) throw new GovbridgeError('not_found', `Unknown event type "${input.eventType}"`);
    const today = new Date(this.#clock.now().getTime()).toISOString().slice(0, 10);
    const problems = checkReport(input.eventType, spec, input.fields, today);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.occurredOn)) {
      problems.push({ field: 'occurredOn', message: 'must be a date (YYYY-MM-DD)' });
    }
    if (problems.length > 0) throw reportInvalid(problems);
  }

  async #plan(
    eventType: string,
    fields: ReportFields,
    limits?: Map<string, number>,
    confirmed?: Readonly<Record<string, readonly string[]>>,
  ): Promise<RecipientPlan[]> {
    const order = Object.keys(this.#o.eventTypes[eventType]?.fields ?? {});
    const plans: RecipientPlan[] = [];
    for (const { agency, attributes } of await this.#o.agencies.subscribersOf(eventType)) {
      limits?.set(agency.agencyId, agency.maxAttempts);
      const provided = order.filter((f) => attributes.includes(f) && f in fields);
      const decisions = this.#o.decide
        ? await this.#o.decide({
            agency,
            eventType,
            fields: provided,
            ...(confirmed ? { confirmed: confirmed[agency.agencyId] ?? [] } : {}),
          })
        : provided.map((field) => ({ field, allowed: true, policies: [], reason: '' }));
      const allowed = new Set(decisions.filter((d) => d.allowed).map((d) => d.field));
      plans.push({
        agency: {
          agencyId: agency.agencyId,
          name: agency.name,
          country: agency.country,
          website: agency.website,
          environment: agency.environment,
        },
        // A field the decider did not mention is not released (fail closed).
        attributes: provided.filter((f) => allowed.has(f)),
        withheld: decisions.filter((d) => !d.allowed),
        decisions: [...new Set(decisions.flatMap((d) => d.policies))],
      });
    }
    return plans;
  }

  /**
   * The keyed hash of what makes two reports the same: the account, the event type, its date and the
   * fields, canonicalised (keys sorted; text in Unicode NFC with spaces folded; lists sorted). Keyed,
   * so the stored value says nothing about the report without the key-encryption key.
   */
  #contentKey(input: ReportInput & { agencies?: readonly string[] }): string {
    const fields: Record<string, unknown> = {};
    for (const name of Object.keys(input.fields).sort()) {
      const value = input.fields[name];
      fields[name] = Array.isArray(value)
        ? [...new Set(value.map(canonicalText))].sort()
        : typeof value === 'string'
          ? canonicalText(value)
          : value;
    }
    const canonical = JSON.stringify([
      'report-content-v1',
      input.accountId,
      input.eventType,
      input.occurredOn,
      fields,
      ...(input.agencies === undefined ? [] : [[...new Set(input.agencies)].sort()]),
    ]);
    return createHmac('sha256', this.#fingerprintKey).update(canonical).digest('base64url');
  }

  /** The account's report of this content made since `since`, if any. */
  async #byContent(contentKey: string, since: number): Promise<string | undefined> {
    const row = await this.#o.storage.db
      .selectFrom('reports')
      .select('report_id')
      .where('content_key', '=', contentKey)
      .where('created_at', '>=', since)
      .executeTakeFirst();
    return row?.report_id;
  }

  async #bySubmission(accountId: string, submissionKey: string): Promise<string | undefined> {
    const row = await this.#o.storage.db
      .selectFrom('reports')
      .select('report_id')
      .where('account_id', '=', accountId)
      .where('submission_key', '=', submissionKey)
      .executeTakeFirst();
    return row?.report_id;
  }

  async #views(
    reports: Array<{
      report_id: string;
      event_type: string;
      occurred_on: string;
      journey_id: string | null;
      created_at: number;
    }>,
  ): Promise<ReportView[]> {
    if (reports.length === 0) return [];
    const rows = await this.#o.storage.db
      .selectFrom('notifications')
      .innerJoin('agencies', 'agencies.agency_id', 'notifications.agency_id')
      .select([
        'notifications.notification_id',
        'notifications.report_id',
        'notifications.attributes',
        'notifications.state',
        'notifications.attempts',
        'notifications.next_attempt_at',
        'notifications.delivered_at',
        'notifications.last_error',
        'agencies.agency_id',
        'agencies.name',
        'agencies.country',
        'agencies.website',
      ])
      .where(
        'notifications.report_id',
        'in',
        reports.map((r) => r.report_id),
      )
      .orderBy('agencies.country')
      .orderBy('agencies.name')
      .execute();
    return reports.map((r) => ({
      reportId: r.report_id,
      eventType: r.event_type,
      occurredOn: r.occurred_on,
      journeyId: r.journey_id,
      createdAt: Number(r.created_at),
      notifications: rows
        .filter((n) => n.report_id === r.report_id)
        .map((n) => ({
          notificationId: n.notification_id,
          agency: {
            agencyId: n.agency_id,
            name: n.name,
            country: n.country as 'GB' | 'SG',
            website: n.website,
          },
          attributes: JSON.parse(n.attributes) as string[],
          state: n.state as NotificationState,
          attempts: n.attempts,
          nextAttemptAt: n.state === 'retrying' ? Number(n.next_attempt_at) : null,
          deliveredAt: n.delivered_at === null ? null : Number(n.delivered_at),
          lastError: n.last_error,
        })),
    }));
  }
}

interface ReportRow {
  report_id: string;
  account_id: string;
  journey_id: string | null;
  event_type: string;
  occurred_on: string;
  payload_sealed: string;
  submission_key: string;
  created_at: number;
  content_key: string;
}

interface NotificationRow {
  notification_id: string;
  report_id: string;
  agency_id: string;
  event_type: string;
  attributes: string;
  payload_sealed: string;
  state: string;
  attempts: number;
  attempt_limit: number;
  next_attempt_at: number;
  claim_token: null;
  last_status: null;
  last_error: null;
  created_at: number;
  updated_at: number;
  delivered_at: null;
  decisions: string;
  withheld: string | null;
}

/**
 * The database runs an INSERT inside WITH as one statement (a data-modifying CTE: PostgreSQL; SQLite
 * cannot). A storage capability src/storage does not name yet, so it is named here, in one place.
 */
function writesInsideWith(storage: Storage): boolean {
  return storage.capabilities.dialect === 'postgres';
}

function canonicalText(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/g, ' ');
}

/** The transparency-ledger record of a notification: a release of named fields to an agency. */
export function notificationLedgerRecord(n: {
  notificationId: string;
  reportId: string;
  accountId: string;
  agencyId: string;
  country: string;
  eventType: string;
  released: readonly string[];
  withheld: readonly { attribute: string; policies: readonly string[] }[];
  decisions: readonly string[];
  trustFrameworkVersion: string;
  at: Date;
}): ReleaseRecord {
  return {
    releaseId: n.notificationId,
    time: n.at,
    recipient: { kind: 'agency', id: n.agencyId, country: n.country as 'GB' | 'SG' },
    released: n.released.map((f) => `${n.eventType}.${f}`),
    withheld: n.withheld.map((w) => ({
      attribute: `${n.eventType}.${w.attribute}`,
      policy: w.policies[0] ?? 'unknown',
    })),
    accountId: n.accountId,
    // The citizen's confirmation of this report (who receives what) is the consent it rests on.
    consentId: n.reportId,
    decisions: [...n.decisions],
    trustFrameworkVersion: n.trustFrameworkVersion,
  };
}

/** Notifications written but missing from the ledger (a stop between the two writes): appended now. */
export async function appendUnledgeredNotifications(
  storage: Storage,
  ledger: Ledger,
  trustFrameworkVersion: string,
  log?: RepairLog,
): Promise<number> {
  const rows = await storage.db
    .selectFrom('notifications')
    .innerJoin('reports', 'reports.report_id', 'notifications.report_id')
    .leftJoin('agencies', 'agencies.agency_id', 'notifications.agency_id')
    .select([
      'notifications.notification_id',
      'notifications.report_id',
      'notifications.agency_id',
      'notifications.event_type',
      'notifications.attributes',
      'notifications.withheld',
      'notifications.decisions',
      'notifications.created_at',
      'reports.account_id',
      'agencies.country',
    ])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ledger_entries')
            .select('ledger_entries.idx')
            .whereRef('ledger_entries.release_id', '=', 'notifications.notification_id'),
        ),
      ),
    )
    .orderBy('notifications.created_at')
    .execute();
  // Each row on its own (ledger's appendMissing): one that cannot be appended is flagged for the
  // operator and never keeps the others out or the hub from serving.
  return appendMissing(
    storage,
    ledger,
    rows.map((r) =>
      r.country === null
        ? {
            ref: r.notification_id,
            refused: {
              kind: 'notification_agency_unknown',
              check: 'its agency is not registered any more',
            },
          }
        : {
            ref: r.notification_id,
            build: () =>
              notificationLedgerRecord({
                notificationId: r.notification_id,
                reportId: r.report_id,
                accountId: r.account_id,
                agencyId: r.agency_id,
                country: r.country as string,
                eventType: r.event_type,
                released: JSON.parse(r.attributes) as string[],
                withheld: r.withheld
                  ? (JSON.parse(r.withheld) as { attribute: string; policies: string[] }[])
                  : [],
                decisions: r.decisions ? (JSON.parse(r.decisions) as string[]) : [],
                trustFrameworkVersion,
                at: new Date(Number(r.created_at)),
              }),
          },
    ),
    {
      what: 'notification',
      unreadable: 'notification_unreadable',
      unledgerable: 'notification_unledgerable',
      kinds: ['notification_unledgerable', 'notification_agency_unknown', 'notification_unreadable'],
      log,
    },
  );
}
