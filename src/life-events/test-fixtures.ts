import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A small catalogue for the tests (imported only by `*.test.ts` and the benchmark's fallback): one
 * event across both countries, dated parameters with an announced value, and rule cases.
 */
export const FIXTURE: Readonly<Record<string, string>> = {
  'catalogue.yaml': `
version: "2026-01-15.2"
description: The test fixture.
`,
  'agencies.yaml': `
- { id: hmrc, country: GB, name: HM Revenue & Customs, website: "https://www.gov.uk/government/organisations/hm-revenue-customs" }
- { id: ica, country: SG, name: Immigration & Checkpoints Authority, website: "https://www.ica.gov.sg" }
`,
  'facts.yaml': `
lives_in_uk: { type: boolean, question: Do you live in the UK? }
responsible_for_child: { type: boolean, question: Are you responsible for the child? }
child_birth_order: { type: integer, question: Which child is this in your family?, min: 1, max: 20 }
adjusted_net_income: { type: money, question: What is your adjusted net income?, min: 0 }
birth_place:
  type: enum
  question: Where was the baby born?
  options:
    - { value: england_wales, text: England or Wales }
    - { value: singapore, text: Singapore }
parent_birthdate: { type: date, question: What is your date of birth?, notFuture: true, verifiedFrom: birthdate }
`,
  'parameters/uk.yaml': `
uk.child_benefit.eldest:
  description: Child Benefit weekly rate for the eldest or only child
  unit: GBP/week
  values:
    - { from: 2024-04-06, value: 25.60, reference: "https://www.gov.uk/hmrc-internal-manuals/child-benefit-technical-manual/cbtm02120" }
    - { from: 2025-04-06, value: 26.05, reference: "https://www.gov.uk/child-benefit-rates", note: 2025/26 rate }
  expected:
    - { from: 2026-04-06, value: 27.05, reference: "https://www.theyworkforyou.com/wms/?id=2025-11-26.hcws1100.0" }
uk.child_benefit.additional:
  description: Child Benefit weekly rate for each additional child
  unit: GBP/week
  values:
    - { from: 2024-04-06, value: 16.95, reference: "https://www.gov.uk/hmrc-internal-manuals/child-benefit-technical-manual/cbtm02120" }
    - { from: 2025-04-06, value: 17.25, reference: "https://www.gov.uk/child-benefit-rates" }
uk.child_benefit.backdate_months:
  description: How far back a Child Benefit claim can be backdated
  unit: months
  values:
    - { from: 2024-04-06, value: 3, reference: "https://www.gov.uk/child-benefit/how-to-claim" }
uk.hicbc.threshold:
  description: Income at which the High Income Child Benefit Charge starts
  unit: GBP
  values:
    - { from: 2024-04-06, value: 60000, reference: "https://www.gov.uk/child-benefit-tax-charge" }
`,
  'parameters/sg.yaml': `
sg.birth_registration.days:
  description: Days to register a birth in Singapore
  unit: days
  values:
    - { from: 2024-04-06, value: 42, reference: "https://www.ica.gov.sg/documents/birth/birth_registration" }
`,
  'events/having-a-baby.yaml': `
id: having-a-baby
name: Having a baby
description: Register the birth and claim what you are entitled to.
eventDate: { question: When was the baby born? }
countries: [GB, SG]
services: [uk.child_benefit, sg.register_birth]
`,
  'services/uk.child_benefit.yaml': `
id: uk.child_benefit
agency: hmrc
country: GB
name: Claim Child Benefit
description: A weekly payment for anyone responsible for a child.
howToApply: Claim online once the birth is registered.
url: https://www.gov.uk/child-benefit
sources: [https://www.gov.uk/child-benefit]
facts: [lives_in_uk, responsible_for_child, child_birth_order]
eligibility: facts.lives_in_uk && facts.responsible_for_child
deadline:
  expression: add_months(event.date, param("uk.child_benefit.backdate_months"))
  description: Claims are backdated up to 3 months.
amount:
  expression: 'facts.child_birth_order == 1 ? param("uk.child_benefit.eldest") : param("uk.child_benefit.additional")'
  currency: GBP
  period: week
  description: The weekly rate for this child.
reusesVerified: [name, birthdate]
`,
  'services/sg.register_birth.yaml': `
id: sg.register_birth
agency: ica
country: SG
name: Register the birth in Singapore
description: Register within 42 days on LifeSG.
howToApply: Use LifeSG.
url: https://www.life.gov.sg
sources: [https://www.ica.gov.sg/documents/birth/birth_registration]
facts: [birth_place]
eligibility: facts.birth_place == "singapore"
deadline:
  expression: add_days(event.date, param("sg.birth_registration.days"))
  description: Register within 42 days of the birth.
`,
  'cases/having-a-baby.yaml': `
- name: First child in 2024 gets the 2024/25 eldest rate
  source: https://www.gov.uk/hmrc-internal-manuals/child-benefit-technical-manual/cbtm02120
  event: having-a-baby
  eventDate: 2024-05-01
  facts: { lives_in_uk: true, responsible_for_child: true, child_birth_order: 1, birth_place: england_wales }
  expect:
    uk.child_benefit: { eligible: true, amount: 25.60, deadline: 2024-08-01 }
    sg.register_birth: { eligible: false }
- name: Unknown residence is asked, not guessed
  source: https://www.gov.uk/child-benefit
  event: having-a-baby
  eventDate: 2025-05-01
  facts: { responsible_for_child: true }
  expect:
    uk.child_benefit: { eligible: unknown, missing: [lives_in_uk, child_birth_order] }
    sg.register_birth: { eligible: unknown, missing: [birth_place] }
`,
};

/** Write a catalogue to a fresh temporary directory: the fixture with `changes` (null deletes a file). */
export function writeCatalogue(changes: Readonly<Record<string, string | null>> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'govbridge-catalogue-'));
  const files: Record<string, string | null> = { ...FIXTURE, ...changes };
  for (const [file, text] of Object.entries(files)) {
    if (text === null) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}
