import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalogue } from '../../src/life-events/index.ts';
import { checkReport } from '../../src/notifications/index.ts';
import { attributeCatalogue, loadTrustFramework } from '../../src/trust/index.ts';
import { problemErrors, questionsFor, REPORT_FORMS } from '../../src/web/reports/report-forms.ts';

/**
 * Impossible dates in Tell Us Once reports (issue 10): every report date is bounded to 1900-01-01 …
 * ten years after today (today for dates that cannot be in the future), and the page names the range.
 */
const trust = loadTrustFramework('trust/trust-framework.yaml');
const eventTypes = trust.events!;
const catalogue = loadCatalogue('catalogue', { claims: new Set(Object.keys(attributeCatalogue(trust))) });

test('a report date outside the range is a problem naming the range', () => {
  const spec = eventTypes['death']!;
  const fields = {
    deceased_name: 'X',
    deceased_birthdate: '1066-10-14',
    date_of_death: '2025-03-01',
    informant_name: 'Y',
    informant_email: 'a@b',
  };
  assert.deepEqual(checkReport('death', spec, fields, '2025-06-01'), [
    { field: 'deceased_birthdate', message: 'must be between 1900-01-01 and 2025-06-01' },
  ]);
  const form = REPORT_FORMS['death_of_a_loved_one']!;
  const all = new Set(Object.keys(spec.fields));
  const questions = questionsFor(form, spec, {}, all, catalogue);
  assert.deepEqual(
    problemErrors(checkReport('death', spec, fields, '2025-06-01'), questions, fields).map((e) => e.text),
    ['Their date of birth must be between 1 January 1900 and 1 June 2025'],
  );
});

test('a date that may be in the future is bounded ten years ahead (a move on 9999-12-31)', () => {
  const [type, spec] = Object.entries(eventTypes).find(([, s]) =>
    Object.entries(s.fields).some(([, f]) => f.type === 'date' && !f.notFuture),
  )!;
  const [name] = Object.entries(spec.fields).find(([, f]) => f.type === 'date' && !f.notFuture)!;
  const problems = checkReport(type, spec, { [name]: '9999-12-31' }, '2025-06-01');
  assert.ok(
    problems.some((p) => p.field === name && p.message === 'must be between 1900-01-01 and 2035-06-01'),
    JSON.stringify(problems),
  );
  assert.ok(!checkReport(type, spec, { [name]: '2035-06-01' }, '2025-06-01').some((p) => p.field === name));
});
