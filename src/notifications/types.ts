/**
 * Tell Us Once: the shapes the notifications module works with. Event types and their fields come
 * from the trust framework (`events:`); the composition root passes them in, so this module does
 * not depend on `trust/`.
 */
export type FieldType = 'string' | 'date' | 'country' | 'countries' | 'address' | 'email';

export interface EventFieldSpec {
  readonly type: FieldType;
  /** The report cannot be sent without it. */
  readonly required?: boolean | undefined;
  /** A date that cannot be after today (a death, a birth). */
  readonly notFuture?: boolean | undefined;
}

export interface EventTypeSpec {
  readonly description: string;
  readonly fields: Readonly<Record<string, EventFieldSpec>>;
}

export type EventTypes = Readonly<Record<string, EventTypeSpec>>;

/** A field's value: text, a date `YYYY-MM-DD`, a country code, or a list of country codes. */
export type FieldValue = string | readonly string[];
export type ReportFields = Readonly<Record<string, FieldValue>>;

export interface Subscription {
  readonly eventType: string;
  readonly attributes: readonly string[];
}

export interface Agency {
  readonly agencyId: string;
  readonly name: string;
  readonly country: 'GB' | 'SG';
  readonly website: string;
  readonly environment: string;
  readonly endpoint: string;
  /** Public JWK (EC P-256), with `kid`. */
  readonly encryptionJwk: Readonly<Record<string, unknown>> & { kid: string };
  readonly maxAttempts: number;
  readonly status: 'active' | 'suspended';
  readonly subscriptions: readonly Subscription[];
}

export type NotificationState = 'pending' | 'sending' | 'retrying' | 'delivered' | 'dead';

/** What a release policy says about one field for one agency (issue "Data security"). */
export interface FieldDecision {
  readonly field: string;
  readonly allowed: boolean;
  /** Ids of the deciding policies. */
  readonly policies: readonly string[];
  /** Plain-English reason, shown to the citizen when a field is withheld. */
  readonly reason: string;
}

/**
 * Decides, before a report is written, which of an agency's entitled fields may be released to it.
 * The default (no policy engine wired) allows every entitled field.
 */
export type ReleaseDecider = (input: {
  agency: Agency;
  eventType: string;
  fields: readonly string[];
  /**
   * When the report is written: the fields the citizen confirmed sending to this agency ("check
   * before you send"). Absent while the plan is shown, before they confirm.
   */
  confirmed?: readonly string[] | undefined;
}) => readonly FieldDecision[] | Promise<readonly FieldDecision[]>;
