import { type Catalogue, formatDate, type SavedJourney } from '../../life-events/index.ts';
import type { EventTypeSpec, FieldValue } from '../../notifications/index.ts';
import { readDate } from '../journeys/read-answer.ts';
import { countryCode, countryName } from './countries.ts';

/**
 * "Tell government once" (issue "Report once"): which Tell Us Once report a life-event journey
 * makes, which of its fields the journey already has, and how the citizen is asked for the rest.
 *
 * | life event             | event type    | from the journey                                                       | asked (when the journey has no value)                          |
 * |------------------------|---------------|------------------------------------------------------------------------|----------------------------------------------------------------|
 * | moving_singapore_to_uk | moving-abroad | date_of_move = event date; from_country SG, to_country GB;             | name, birthdate, nationalities, previous_address, new_address, |
 * |                        |               | verified: name, birthdate, nationalities, email, previous_address (address) | email                                                      |
 * | moving_uk_to_singapore | moving-abroad | the same, from_country GB, to_country SG                                | the same                                                       |
 * | retiring_singapore_to_uk | moving-abroad | as moving_singapore_to_uk (retiring abroad is a move abroad)        | the same                                                       |
 * | retiring_uk_to_singapore | moving-abroad | as moving_uk_to_singapore                                          | the same                                                       |
 * | death_of_a_loved_one   | death         | date_of_death = event date; place_of_death from death_place;           | deceased_name, deceased_birthdate, deceased_address,           |
 * |                        |               | informant_relationship from relationship_to_deceased (option text);    | place_of_death (somewhere else), informant_name,               |
 * |                        |               | verified: informant_name (name)                                         | informant_relationship, informant_email                        |
 * | having_a_baby          | birth         | child_birthdate = event date; place_of_birth from birth_place;         | child_name, place_of_birth (somewhere else), parent_name,      |
 * |                        |               | verified: parent_name (name), parent_address (address)                  | parent_address                                                 |
 *
 * Places: England or Wales, Scotland, Northern Ireland → GB; Singapore → SG; somewhere else (or not
 * answered) → asked as a country, optional. Verified values are used only when the citizen agreed to
 * use verified details on the journey (`saved.verified`, kept with their consent).
 *
 * Whether a field is required, and whether a date may be in the future, comes from the trust
 * framework's `events:` (the same rules ReportService checks). An optional field is asked only when
 * at least one subscribed agency is entitled to it: nobody is asked for data no agency receives.
 */

/** How a question is asked. */
export type QuestionKind = 'text' | 'textarea' | 'date' | 'email' | 'country' | 'countries' | 'choice';

export interface QuestionSpec {
  /** The report field it answers. */
  readonly field: string;
  readonly kind: QuestionKind;
  /** Label (or legend) on the page, without "(optional)". */
  readonly label: string;
  readonly hint?: string;
  /** How messages name the value, capitalised: "Your date of birth" → "Enter your date of birth". */
  readonly noun: string;
  readonly autocomplete?: string;
  /** `choice`: the catalogue enum fact whose options are offered; the field takes the option's text. */
  readonly optionsFrom?: string;
}

/** Where the journey may already have a field's value; the first that has one wins. */
export type KnownSource =
  | { readonly from: 'eventDate' }
  | { readonly from: 'fixed'; readonly value: string }
  | { readonly from: 'place'; readonly fact: string }
  | { readonly from: 'optionText'; readonly fact: string }
  | { readonly from: 'verified'; readonly claim: string };

export interface ReportForm {
  readonly lifeEvent: string;
  readonly eventType: string;
  /** What is reported, for sentences: "your move", "the death", "the birth". */
  readonly what: string;
  /** The report field that takes the journey's event date. */
  readonly eventDateField: string;
  readonly known: Readonly<Record<string, readonly KnownSource[]>>;
  /** In page order. */
  readonly questions: readonly QuestionSpec[];
}

const ADDRESS_HINT = 'Include the postcode (or postal code) and the country.';
const COUNTRY_HINT = 'For example, Malaysia or MY. Leave this blank if you do not know.';

/** "the United Kingdom", "Singapore". */
const inCountry = (code: 'GB' | 'SG') => (code === 'GB' ? 'the United Kingdom' : countryName(code));

function moving(lifeEvent: string, from: 'GB' | 'SG', to: 'GB' | 'SG'): ReportForm {
  return {
    lifeEvent,
    eventType: 'moving-abroad',
    what: 'your move',
    eventDateField: 'date_of_move',
    known: {
      date_of_move: [{ from: 'eventDate' }],
      from_country: [{ from: 'fixed', value: from }],
      to_country: [{ from: 'fixed', value: to }],
      name: [{ from: 'verified', claim: 'name' }],
      birthdate: [{ from: 'verified', claim: 'birthdate' }],
      nationalities: [{ from: 'verified', claim: 'nationalities' }],
      email: [{ from: 'verified', claim: 'email' }],
      previous_address: [{ from: 'verified', claim: 'address' }],
    },
    questions: [
      { field: 'name', kind: 'text', label: 'Your full name', noun: 'Your full name', autocomplete: 'name' },
      {
        field: 'birthdate',
        kind: 'date',
        label: 'Your date of birth',
        hint: 'For example, 27 3 1985',
        noun: 'Your date of birth',
        autocomplete: 'bday',
      },
      {
        field: 'nationalities',
        kind: 'countries',
        label: 'Your nationalities',
        hint: 'Select all that apply.',
        noun: 'Your nationalities',
      },
      {
        field: 'previous_address',
        kind: 'textarea',
        label: `Your address in ${inCountry(from)}, before the move`,
        hint: ADDRESS_HINT,
        noun: 'Your address before the move',
      },
      {
        field: 'new_address',
        kind: 'textarea',
        label: `Your new address in ${inCountry(to)}`,
        hint: ADDRESS_HINT,
        noun: 'Your new address',
      },
      {
        field: 'email',
        kind: 'email',
        label: 'Your email address',
        hint: 'The agencies may use it to contact you about your move.',
        noun: 'Your email address',
        autocomplete: 'email',
      },
    ],
  };
}

/** Life event id → the report it makes. Events not listed here make no report. */
export const REPORT_FORMS: Readonly<Record<string, ReportForm>> = {
  moving_singapore_to_uk: moving('moving_singapore_to_uk', 'SG', 'GB'),
  moving_uk_to_singapore: moving('moving_uk_to_singapore', 'GB', 'SG'),
  retiring_singapore_to_uk: moving('retiring_singapore_to_uk', 'SG', 'GB'),
  retiring_uk_to_singapore: moving('retiring_uk_to_singapore', 'GB', 'SG'),
  death_of_a_loved_one: {
    lifeEvent: 'death_of_a_loved_one',
    eventType: 'death',
    what: 'the death',
    eventDateField: 'date_of_death',
    known: {
      date_of_death: [{ from: 'eventDate' }],
      place_of_death: [{ from: 'place', fact: 'death_place' }],
      informant_relationship: [{ from: 'optionText', fact: 'relationship_to_deceased' }],
      informant_name: [{ from: 'verified', claim: 'name' }],
    },
    questions: [
      {
        field: 'deceased_name',
        kind: 'text',
        label: 'Full name of the person who died',
        noun: 'The full name of the person who died',
      },
      {
        field: 'deceased_birthdate',
        kind: 'date',
        label: 'Their date of birth',
        hint: 'For example, 27 3 1940',
        noun: 'Their date of birth',
      },
      {
        field: 'deceased_address',
        kind: 'textarea',
        label: 'Their last usual address',
        hint: ADDRESS_HINT,
        noun: 'Their last usual address',
      },
      {
        field: 'place_of_death',
        kind: 'country',
        label: 'Country where they died',
        hint: COUNTRY_HINT,
        noun: 'The country where they died',
      },
      {
        field: 'informant_name',
        kind: 'text',
        label: 'Your full name',
        noun: 'Your full name',
        autocomplete: 'name',
      },
      {
        field: 'informant_relationship',
        kind: 'choice',
        label: 'Your relationship to the person who died',
        noun: 'Your relationship to the person who died',
        optionsFrom: 'relationship_to_deceased',
      },
      {
        field: 'informant_email',
        kind: 'email',
        label: 'Your email address',
        hint: 'The agencies may use it to contact you about the death.',
        noun: 'Your email address',
        autocomplete: 'email',
      },
    ],
  },
  having_a_baby: {
    lifeEvent: 'having_a_baby',
    eventType: 'birth',
    what: 'the birth',
    eventDateField: 'child_birthdate',
    known: {
      child_birthdate: [{ from: 'eventDate' }],
      place_of_birth: [{ from: 'place', fact: 'birth_place' }],
      parent_name: [{ from: 'verified', claim: 'name' }],
      parent_address: [{ from: 'verified', claim: 'address' }],
    },
    questions: [
      { field: 'child_name', kind: 'text', label: 'The baby’s full name', noun: 'The baby’s full name' },
      {
        field: 'place_of_birth',
        kind: 'country',
        label: 'Country where the baby was born',
        hint: COUNTRY_HINT,
        noun: 'The country where the baby was born',
      },
      {
        field: 'parent_name',
        kind: 'text',
        label: 'Your full name',
        noun: 'Your full name',
        autocomplete: 'name',
      },
      {
        field: 'parent_address',
        kind: 'textarea',
        label: 'Your address',
        hint: ADDRESS_HINT,
        noun: 'Your address',
        autocomplete: 'street-address',
      },
    ],
  },
};

export function reportFormFor(lifeEvent: string): ReportForm | undefined {
  return Object.hasOwn(REPORT_FORMS, lifeEvent) ? REPORT_FORMS[lifeEvent] : undefined;
}

/** How each report field is named on the check and status pages. */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  name: 'Full name',
  birthdate: 'Date of birth',
  nationalities: 'Nationalities',
  date_of_move: 'Date of the move',
  from_country: 'Country you are leaving',
  to_country: 'Country you are moving to',
  previous_address: 'Address before the move',
  new_address: 'New address',
  email: 'Email address',
  deceased_name: 'Name of the person who died',
  deceased_birthdate: 'Their date of birth',
  date_of_death: 'Date of death',
  place_of_death: 'Country where they died',
  deceased_address: 'Their last usual address',
  informant_name: 'Your name',
  informant_relationship: 'Your relationship to them',
  informant_email: 'Your email address',
  child_name: 'The baby’s name',
  child_birthdate: 'The baby’s date of birth',
  place_of_birth: 'Country of birth',
  parent_name: 'Your name',
  parent_address: 'Your address',
};

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field.replace(/_/g, ' ');
}

/** Where a value in the report came from. */
export type ValueSource = 'journey' | 'verified' | 'typed';

export interface KnownValue {
  readonly value: FieldValue;
  readonly source: 'journey' | 'verified';
}

const PLACE_COUNTRY: Readonly<Record<string, string>> = {
  england_wales: 'GB',
  scotland: 'GB',
  northern_ireland: 'GB',
  singapore: 'SG',
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const COUNTRY = /^[A-Z]{2}$/;
/** The shape ReportService accepts, and a dot in the domain (GOV.UK: "like name@example.com"). */
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const MAX_TEXT = 500;

/** A verified claim as a value of the field's type, or undefined when the shapes do not fit (then asked). */
function claimAsField(type: string, claim: unknown): FieldValue | undefined {
  switch (type) {
    case 'date':
      return typeof claim === 'string' && DATE.test(claim) ? claim : undefined;
    case 'countries': {
      if (!Array.isArray(claim)) return undefined;
      const codes = claim.filter((c): c is string => typeof c === 'string' && COUNTRY.test(c));
      return codes.length > 0 && codes.length <= 10 ? [...new Set(codes)] : undefined;
    }
    case 'email':
      return typeof claim === 'string' && EMAIL.test(claim) ? claim : undefined;
    case 'address':
      if (claim && typeof claim === 'object' && !Array.isArray(claim)) {
        const formatted = (claim as Record<string, unknown>)['formatted'];
        return typeof formatted === 'string' && formatted.trim() !== '' && formatted.length <= MAX_TEXT
          ? formatted.trim()
          : undefined;
      }
      return typeof claim === 'string' && claim.trim() !== '' && claim.length <= MAX_TEXT
        ? claim.trim()
        : undefined;
    default:
      return typeof claim === 'string' && claim.trim() !== '' && claim.length <= MAX_TEXT
        ? claim.trim()
        : undefined;
  }
}

/** The report fields the journey already has: its event date, answers and (with consent) verified details. */
export function knownValues(
  form: ReportForm,
  spec: EventTypeSpec,
  saved: SavedJourney,
  catalogue: Catalogue,
): Record<string, KnownValue> {
  const out: Record<string, KnownValue> = {};
  for (const [field, sources] of Object.entries(form.known)) {
    const type = spec.fields[field]?.type;
    if (!type) continue;
    for (const s of sources) {
      let found: KnownValue | undefined;
      if (s.from === 'eventDate') found = { value: saved.eventDate, source: 'journey' };
      else if (s.from === 'fixed') found = { value: s.value, source: 'journey' };
      else if (s.from === 'place') {
        const code = PLACE_COUNTRY[String(saved.answers[s.fact])];
        if (code) found = { value: code, source: 'journey' };
      } else if (s.from === 'optionText') {
        const answer = saved.answers[s.fact];
        const option = catalogue.facts.get(s.fact)?.options?.find((o) => o.value === answer);
        if (option) found = { value: option.text, source: 'journey' };
      } else if (saved.verified) {
        const value = claimAsField(type, saved.verified.claims[s.claim]);
        if (value !== undefined) found = { value, source: 'verified' };
      }
      if (found) {
        out[field] = found;
        break;
      }
    }
  }
  return out;
}

/** A question as the page shows it: with whether it is required and its options. */
export interface Question extends QuestionSpec {
  readonly required: boolean;
  readonly notFuture: boolean;
  readonly options: readonly { value: string; text: string }[];
}

/**
 * The questions to ask: every field the journey has no value for that is required, or that at least
 * one subscribed agency is entitled to (`wanted`).
 */
export function questionsFor(
  form: ReportForm,
  spec: EventTypeSpec,
  known: Readonly<Record<string, KnownValue>>,
  wanted: ReadonlySet<string>,
  catalogue: Catalogue,
): Question[] {
  const out: Question[] = [];
  for (const q of form.questions) {
    const field = spec.fields[q.field];
    if (!field || q.field in known) continue;
    if (!field.required && !wanted.has(q.field)) continue;
    out.push({
      ...q,
      required: field.required === true,
      notFuture: field.notFuture === true,
      options: q.optionsFrom
        ? (catalogue.facts.get(q.optionsFrom)?.options ?? []).map((o) => ({ value: o.value, text: o.text }))
        : [],
    });
  }
  return out;
}

/** One GOV.UK error: the summary's text and link, and the field (and date part) it belongs to. */
export interface FormError {
  readonly field: string | undefined;
  readonly text: string;
  readonly href: string | undefined;
  readonly part?: 'day' | 'month' | 'year';
}

export interface ReadAnswers {
  /** The fields the citizen gave (optional ones left blank are absent). */
  fields: Record<string, FieldValue>;
  /** What was typed, to show the form again. */
  values: Record<string, unknown>;
  errors: FormError[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function lowerFirst(s: string): string {
  return s.startsWith('The ') ? `the ${s.slice(4)}` : s.charAt(0).toLowerCase() + s.slice(1);
}

const EMAIL_MESSAGE = 'Enter an email address in the correct format, like name@example.com';

/** Read the answers to `questions` from a form body, with GOV.UK error messages. */
export function readAnswers(
  questions: readonly Question[],
  body: Readonly<Record<string, unknown>>,
  today: string,
): ReadAnswers {
  const fields: Record<string, FieldValue> = {};
  const values: Record<string, unknown> = {};
  const errors: FormError[] = [];
  const fail = (q: Question, text: string, part?: 'day' | 'month' | 'year', id = q.field) =>
    errors.push({ field: q.field, text, href: `#${id}`, ...(part ? { part } : {}) });
  for (const q of questions) {
    const f = q.field;
    switch (q.kind) {
      case 'date': {
        const day = str(body[`${f}-day`]);
        const month = str(body[`${f}-month`]);
        const year = str(body[`${f}-year`]);
        values[`${f}-day`] = day;
        values[`${f}-month`] = month;
        values[`${f}-year`] = year;
        if (!q.required && !day.trim() && !month.trim() && !year.trim()) break;
        const r = readDate({ day, month, year }, q.noun, { notFuture: q.notFuture, today });
        if (r.ok) fields[f] = String(r.value);
        else {
          const part = r.field === 'value' ? 'day' : r.field;
          fail(q, r.message, part, `${f}-${part}`);
        }
        break;
      }
      case 'countries': {
        const raw = body[f];
        const checked = (Array.isArray(raw) ? raw : [raw]).filter(
          (v): v is string => v === 'GB' || v === 'SG',
        );
        const other = str(body[`${f}-other`]);
        values[f] = checked;
        values[`${f}-other`] = other;
        const codes = [...checked];
        const unknown: string[] = [];
        for (const part of other.split(/[,;\n]/)) {
          if (!part.trim()) continue;
          const code = countryCode(part);
          if (code) codes.push(code);
          else unknown.push(part.trim());
        }
        if (unknown.length > 0) {
          fail(
            q,
            `Enter each other nationality as a country, like Malaysia, separated by commas. We do not know “${unknown[0]!.slice(0, 40)}”`,
            undefined,
            `${f}-other`,
          );
        } else if (codes.length > 10) {
          fail(q, 'Enter 10 nationalities or fewer', undefined, `${f}-other`);
        } else if (codes.length > 0) {
          fields[f] = [...new Set(codes)];
        } else if (q.required) {
          fail(q, `Select ${lowerFirst(q.noun)}`);
        }
        break;
      }
      case 'choice': {
        const v = str(body[f]);
        values[f] = v;
        const option = q.options.find((o) => o.value === v);
        if (option) fields[f] = option.text;
        else if (v || q.required) fail(q, `Select ${lowerFirst(q.noun)}`, undefined, `${f}`);
        break;
      }
      default: {
        const typed = str(body[f]);
        values[f] = typed;
        const v =
          q.kind === 'textarea'
            ? typed
                .split(/\r?\n/)
                .map((l) => l.trim())
                .filter(Boolean)
                .join('\n')
            : typed.trim();
        if (!v) {
          if (q.required) fail(q, `Enter ${lowerFirst(q.noun)}`);
          break;
        }
        if (v.length > MAX_TEXT) {
          fail(q, `${q.noun} must be ${MAX_TEXT} characters or fewer`);
          break;
        }
        if (q.kind === 'email') {
          if (EMAIL.test(v)) fields[f] = v;
          else fail(q, EMAIL_MESSAGE);
        } else if (q.kind === 'country') {
          const code = countryCode(v);
          if (code) fields[f] = code;
          else fail(q, `Enter a real country, like Malaysia, or leave ${lowerFirst(q.noun)} blank`);
        } else {
          fields[f] = v;
        }
      }
    }
  }
  return { fields, values, errors };
}

/**
 * Contradictions the form can explain better than ReportService: a death before the birth. Checked
 * on the whole report (the date of death comes from the journey).
 */
export function crossCheck(fields: Readonly<Record<string, FieldValue>>, questions: readonly Question[]) {
  const errors: FormError[] = [];
  const born = fields['deceased_birthdate'];
  const died = fields['date_of_death'];
  if (typeof born === 'string' && typeof died === 'string' && born > died) {
    errors.push(deathBeforeBirth(died, questions));
  }
  return errors;
}

function deathBeforeBirth(died: string, questions: readonly Question[]): FormError {
  const asked = questions.some((q) => q.field === 'deceased_birthdate');
  const text = `Their date of birth must be the same as or before the date they died (${formatIsoDate(died)})`;
  return asked
    ? { field: 'deceased_birthdate', text, href: '#deceased_birthdate-day', part: 'day' }
    : { field: undefined, text, href: undefined };
}

/**
 * ReportService's problems (`invalid_request`, `detail.problems`) as GOV.UK errors on the fields of
 * the page; a problem with a value the journey gave (not on the page) is listed without a link.
 */
export function problemErrors(
  problems: readonly { field: string; message: string }[],
  questions: readonly Question[],
  fields: Readonly<Record<string, FieldValue>>,
): FormError[] {
  const errors: FormError[] = [];
  for (const p of problems) {
    if (p.message === 'the date of death is before the date of birth') {
      errors.push(deathBeforeBirth(String(fields['date_of_death'] ?? ''), questions));
      continue;
    }
    const q = questions.find((x) => x.field === p.field);
    const noun = q?.noun ?? fieldLabel(p.field);
    const between = BETWEEN.exec(p.message);
    let text: string;
    if (between)
      text = `${noun} must be between ${formatIsoDate(between[1]!)} and ${formatIsoDate(between[2]!)}`;
    else if (p.message === 'is required') text = `Enter ${lowerFirst(noun)}`;
    else if (p.message.startsWith('must be a real date')) text = 'Enter a real date';
    else if (p.message === 'must be an email address') text = EMAIL_MESSAGE;
    else text = `${noun} ${p.message}`;
    if (!q) {
      errors.push({ field: undefined, text, href: undefined });
    } else {
      const id = q.kind === 'date' ? `${q.field}-day` : q.kind === 'countries' ? `${q.field}-other` : q.field;
      errors.push({ field: q.field, text, href: `#${id}`, ...(q.kind === 'date' ? { part: 'day' } : {}) });
    }
  }
  return errors;
}

/** validate-report's range message, "must be between 1900-01-01 and 2035-06-30", put in words here. */
const BETWEEN = /^must be between (\d{4}-\d{2}-\d{2}) and (\d{4}-\d{2}-\d{2})$/;

function formatIsoDate(iso: string): string {
  return DATE.test(iso) ? formatDate(iso) : iso;
}

/** A field's value as the check page shows it: dates in words, countries by name, addresses on one line. */
export function displayValue(type: string | undefined, value: FieldValue): string {
  if (Array.isArray(value)) return value.map((v) => countryName(v)).join(', ');
  const v = value as string;
  if (type === 'date') return formatIsoDate(v);
  if (type === 'country') return countryName(v);
  return v.split('\n').join(', ');
}

/** The form values that show `fields` again on the question page (to change answers). */
export function formValuesOf(
  questions: readonly Question[],
  fields: Readonly<Record<string, FieldValue>>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const q of questions) {
    const v = fields[q.field];
    if (v === undefined) continue;
    if (q.kind === 'date' && typeof v === 'string' && DATE.test(v)) {
      values[`${q.field}-day`] = String(Number(v.slice(8, 10)));
      values[`${q.field}-month`] = String(Number(v.slice(5, 7)));
      values[`${q.field}-year`] = v.slice(0, 4);
    } else if (q.kind === 'countries' && Array.isArray(v)) {
      values[q.field] = v.filter((c) => c === 'GB' || c === 'SG');
      values[`${q.field}-other`] = v
        .filter((c) => c !== 'GB' && c !== 'SG')
        .map((c) => countryName(c))
        .join(', ');
    } else if (q.kind === 'choice') {
      values[q.field] = q.options.find((o) => o.text === v)?.value ?? '';
    } else if (q.kind === 'country' && typeof v === 'string') {
      values[q.field] = countryName(v);
    } else {
      values[q.field] = String(v);
    }
  }
  return values;
}
