import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluateJourney, loadCatalogue } from './index.ts';

/**
 * Issue 13 on the real catalogue: every dated series starts on the day its value took effect (no
 * floor date), and explanations say so; the Cash Gift's explanation gives its instalments; the
 * Employment Pass explains what decides between the floor and the top of the age scale.
 */

const catalogue = loadCatalogue(fileURLToPath(new URL('../../catalogue', import.meta.url)));

test('no parameter series starts on a floor date: the first `from` is when the value took effect', () => {
  const floors = [...catalogue.parameters.values()]
    .filter(
      (p) => p.series[0]!.from === '2000-01-01' || /catalogue(’s|'s)? floor/i.test(p.series[0]!.note ?? ''),
    )
    .map((p) => `${p.file}: ${p.id}`);
  assert.deepEqual(floors, []);
});

test('the Funeral Expenses Payment explains its dated values, never "from 1 January 2000"', () => {
  const journey = evaluateJourney(catalogue, 'death_of_a_loved_one', '2025-03-10', {
    lives_in_scotland: false,
    receives_qualifying_benefit: true,
    responsible_for_funeral: true,
    deceased_had_prepaid_funeral_plan: false,
    funeral_date: '2025-03-20',
  });
  const fep = journey.services.find((s) => s.serviceId === 'uk.funeral_expenses_payment')!;
  const words = fep.explanation.join(' ');
  assert.match(words, /Deadline: 20 September 2025\./);
  assert.match(words, /6 months from 2 April 2018/);
  assert.match(words, /£1,000 from 8 April 2020/);
  assert.doesNotMatch(words, /1 January 2000/);
});

test('the Cash Gift explanation gives the instalments for the birth order and the date of birth', () => {
  const gift = (date: string, order: number) =>
    evaluateJourney(catalogue, 'having_a_baby', date, {
      child_is_singapore_citizen: true,
      parents_married: true,
      child_birth_order: order,
    })
      .services.find((s) => s.serviceId === 'sg.baby_bonus_cash_gift')!
      .explanation.join(' ');
  assert.match(
    gift('2025-03-01', 3),
    /\$4,000 at birth, \$2,000 at 6 months, \$2,000 at 12 months, \$1,000 at 18 months, then \$400 every 6 months from 2 years old to 6½ from 14 February 2023/,
  );
  assert.match(gift('2020-03-01', 1), /until the child is about 18 months old — \$3,000 first/);
});

test('Employment Pass: the age decides between the minimum and the top of the scale, and the explanation names both', () => {
  const ep = (facts: Record<string, string | number | boolean>) =>
    evaluateJourney(catalogue, 'moving_uk_to_singapore', '2025-03-01', {
      singapore_residency_status: 'foreigner',
      works_in_financial_services: false,
      ...facts,
    }).services.find((s) => s.serviceId === 'sg.employment_pass')!;
  const middle = ep({ monthly_fixed_salary_sgd: 6000, applicant_birthdate: '1985-01-01' });
  assert.equal(middle.eligibility, 'may_be_eligible');
  assert.deepEqual(middle.missing, ['ep_salary_meets_age_scale']);
  assert.match(middle.explanation.join(' '), /Self-Assessment Tool/);
  const older = ep({ monthly_fixed_salary_sgd: 8000, applicant_birthdate: '1975-01-01' });
  assert.equal(older.eligibility, 'not_eligible');
  assert.match(older.explanation.join(' '), /S\$10,700 a month from 1 January 2025/);
});
