import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCatalogue, type SavedJourney } from '../../src/life-events/index.ts';
import { checkReport } from '../../src/notifications/index.ts';
import { attributeCatalogue, loadTrustFramework } from '../../src/trust/index.ts';
import { countryCode, countryName } from '../../src/web/reports/countries.ts';
import {
  displayValue,
  formValuesOf,
  knownValues,
  problemErrors,
  questionsFor,
  REPORT_FORMS,
  readAnswers,
  reportFormFor,
} from '../../src/web/reports/report-forms.ts';

/**
 * The life event → Tell Us Once report table (src/web/reports/report-forms.ts): what a journey
 * already gives, what is asked, and ReportService's problems as GOV.UK errors.
 */
const trust = loadTrustFramework('trust/trust-framework.yaml');
const eventTypes = trust.events!;
const catalogue = loadCatalogue('catalogue', { claims: new Set(Object.keys(attributeCatalogue(trust))) });

function journey(eventId: string, eventDate: string, extra: Partial<SavedJourney> = {}): SavedJourney {
  return {
    journeyId: 'j-1',
    accountId: 'acc-1',
    eventId,
    eventDate,
    answers: {},
    stepsDone: [],
    createdAt: new Date(),
    updatedAt: new Date(),
    catalogueVersion: null,
    ...extra,
  };
}

const ALL = (eventType: string) => new Set(Object.keys(eventTypes[eventType]!.fields));

describe('report forms', () => {
  test('every form names a real event type, life event and fields', () => {
    for (const form of Object.values(REPORT_FORMS)) {
      const spec = eventTypes[form.eventType];
      assert.ok(spec, form.eventType);
      assert.ok(catalogue.events.has(form.lifeEvent), form.lifeEvent);
      assert.ok(spec.fields[form.eventDateField], form.eventDateField);
      for (const field of [...Object.keys(form.known), ...form.questions.map((q) => q.field)]) {
        assert.ok(spec.fields[field], `${form.lifeEvent}: ${field}`);
      }
      // Every required field is either given by the journey or asked.
      for (const [field, f] of Object.entries(spec.fields)) {
        if (!f.required) continue;
        const given = (form.known[field] ?? []).some((s) => s.from === 'eventDate' || s.from === 'fixed');
        assert.ok(given || form.questions.some((q) => q.field === field), `${form.lifeEvent}: ${field}`);
      }
    }
    assert.equal(reportFormFor('toString'), undefined);
    assert.equal(reportFormFor('nope'), undefined);
  });

  test('moving: verified details (with an address object) are used; the rest is asked', () => {
    const form = REPORT_FORMS['moving_uk_to_singapore']!;
    const spec = eventTypes['moving-abroad']!;
    const saved = journey('moving_uk_to_singapore', '2026-03-02', {
      verified: {
        claims: {
          name: 'Eleanor Whitfield',
          birthdate: '1988-07-04',
          nationalities: ['GB', 'nope'],
          address: { formatted: '10 Downing Street\nLondon\nSW1A 2AA', country: 'GB' },
        },
        scheme: 'onelogin',
        trustFrameworkVersion: 'v',
        verifiedAt: '2026-01-01T00:00:00Z',
        consentId: 'c',
      },
    });
    const known = knownValues(form, spec, saved, catalogue);
    assert.deepEqual(Object.fromEntries(Object.entries(known).map(([k, v]) => [k, [v.value, v.source]])), {
      date_of_move: ['2026-03-02', 'journey'],
      from_country: ['GB', 'journey'],
      to_country: ['SG', 'journey'],
      name: ['Eleanor Whitfield', 'verified'],
      birthdate: ['1988-07-04', 'verified'],
      nationalities: [['GB'], 'verified'],
      previous_address: ['10 Downing Street\nLondon\nSW1A 2AA', 'verified'],
    });
    const asked = questionsFor(form, spec, known, ALL('moving-abroad'), catalogue).map((q) => q.field);
    assert.deepEqual(asked, ['new_address', 'email']);
    // Nobody entitled to the optional email: it is not asked.
    const minimal = questionsFor(form, spec, known, new Set(['name']), catalogue).map((q) => q.field);
    assert.deepEqual(minimal, ['new_address']);
    assert.equal(
      displayValue('address', known['previous_address']!.value),
      '10 Downing Street, London, SW1A 2AA',
    );
  });

  test('without verified details nothing is taken from a sign-in', () => {
    const form = REPORT_FORMS['moving_singapore_to_uk']!;
    const known = knownValues(
      form,
      eventTypes['moving-abroad']!,
      journey('moving_singapore_to_uk', '2025-09-01'),
      catalogue,
    );
    assert.deepEqual(Object.keys(known).sort(), ['date_of_move', 'from_country', 'to_country']);
  });

  test('a death and a birth: places and the relationship from the answers', () => {
    const death = knownValues(
      REPORT_FORMS['death_of_a_loved_one']!,
      eventTypes['death']!,
      journey('death_of_a_loved_one', '2025-03-01', {
        answers: { death_place: 'northern_ireland', relationship_to_deceased: 'spouse_or_civil_partner' },
      }),
      catalogue,
    );
    assert.deepEqual(death['place_of_death'], { value: 'GB', source: 'journey' });
    assert.deepEqual(death['informant_relationship'], {
      value: 'Husband, wife or civil partner',
      source: 'journey',
    });
    const elsewhere = knownValues(
      REPORT_FORMS['having_a_baby']!,
      eventTypes['birth']!,
      journey('having_a_baby', '2025-03-01', { answers: { birth_place: 'elsewhere' } }),
      catalogue,
    );
    assert.equal(elsewhere['place_of_birth'], undefined);
    const sg = knownValues(
      REPORT_FORMS['having_a_baby']!,
      eventTypes['birth']!,
      journey('having_a_baby', '2025-03-01', { answers: { birth_place: 'singapore' } }),
      catalogue,
    );
    assert.deepEqual(sg['place_of_birth'], { value: 'SG', source: 'journey' });
  });

  test('ReportService problems become errors on the page’s fields', () => {
    const form = REPORT_FORMS['death_of_a_loved_one']!;
    const spec = eventTypes['death']!;
    const questions = questionsFor(form, spec, {}, ALL('death'), catalogue);
    const fields = {
      deceased_name: 'X',
      deceased_birthdate: '2026-01-02',
      date_of_death: '2025-03-01',
      informant_name: 'Y',
      informant_email: 'a@b',
    };
    const problems = checkReport('death', spec, fields, '2025-06-01');
    assert.deepEqual(
      problems.map((p) => p.field),
      ['deceased_birthdate', 'date_of_death'],
    );
    assert.deepEqual(problemErrors(problems, questions, fields), [
      {
        field: 'deceased_birthdate',
        text: 'Their date of birth must be today or in the past',
        href: '#deceased_birthdate-day',
        part: 'day',
      },
      {
        field: 'deceased_birthdate',
        text: 'Their date of birth must be the same as or before the date they died (1 March 2025)',
        href: '#deceased_birthdate-day',
        part: 'day',
      },
    ]);
    assert.deepEqual(
      problemErrors(
        [
          { field: 'informant_email', message: 'must be an email address' },
          { field: 'deceased_name', message: 'is required' },
          { field: 'date_of_death', message: 'must be today or in the past' },
        ],
        questions,
        fields,
      ),
      [
        {
          field: 'informant_email',
          text: 'Enter an email address in the correct format, like name@example.com',
          href: '#informant_email',
        },
        {
          field: 'deceased_name',
          text: 'Enter the full name of the person who died',
          href: '#deceased_name',
        },
        // Not on the page (the journey gave it): listed without a link.
        { field: undefined, text: 'Date of death must be today or in the past', href: undefined },
      ],
    );
  });

  test('answers read back from the values they show (change your answers)', () => {
    const form = REPORT_FORMS['moving_uk_to_singapore']!;
    const spec = eventTypes['moving-abroad']!;
    const questions = questionsFor(form, spec, {}, ALL('moving-abroad'), catalogue);
    const read = readAnswers(
      questions,
      {
        name: '  Eleanor Whitfield ',
        'birthdate-day': '4',
        'birthdate-month': '07',
        'birthdate-year': '1988',
        nationalities: ['GB', 'XX'],
        'nationalities-other': 'india, Malaysia',
        previous_address: '10 Downing Street\r\n\r\n London ',
        new_address: '1 Marina Boulevard',
        email: 'e@example.gov.uk',
      },
      '2026-01-01',
    );
    assert.deepEqual(read.errors, []);
    assert.deepEqual(read.fields, {
      name: 'Eleanor Whitfield',
      birthdate: '1988-07-04',
      nationalities: ['GB', 'IN', 'MY'],
      previous_address: '10 Downing Street\nLondon',
      new_address: '1 Marina Boulevard',
      email: 'e@example.gov.uk',
    });
    const again = readAnswers(questions, formValuesOf(questions, read.fields), '2026-01-01');
    assert.deepEqual(again.fields, read.fields);
    assert.deepEqual(
      readAnswers(questions, { ...formValuesOf(questions, read.fields), email: 'e@localhost' }, '2026-01-01')
        .errors,
      [
        {
          field: 'email',
          text: 'Enter an email address in the correct format, like name@example.com',
          href: '#email',
        },
      ],
    );
    assert.match(
      readAnswers(
        questions,
        { ...formValuesOf(questions, read.fields), 'nationalities-other': 'Atlantis' },
        '2026-01-01',
      ).errors[0]!.text,
      /We do not know “Atlantis”/,
    );
  });

  test('countries by name or code', () => {
    assert.equal(countryName('GB'), 'United Kingdom');
    assert.equal(countryName('SG'), 'Singapore');
    assert.equal(countryName('EU'), 'EU');
    assert.equal(countryCode(' united  kingdom '), 'GB');
    assert.equal(countryCode('UK'), 'GB');
    assert.equal(countryCode('sg'), 'SG');
    assert.equal(countryCode('European Union'), undefined);
    assert.equal(countryCode(''), undefined);
  });
});
