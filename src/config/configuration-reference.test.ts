import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { KEY_PURPOSES, type KeyPurpose } from '../broker/keystore.ts';
import { ONELOGIN_SCENARIOS, singpassScenarios } from '../simulators/index.ts';
import { configurationReference, DEVELOPMENT_KEY_ENCRYPTION_KEY, loadConfig } from './load.ts';
import { type Setting, settings } from './schema.ts';

/**
 * docs/configuration.md must state every constraint the code enforces. The constraints are read
 * from the code itself — the zod checks of each setting, the messages its schema gives for hostile
 * values, the production guards of `loadConfig`, the pinned key algorithms and the simulators'
 * scenario lists — and each must show in that setting's row of the generated reference.
 */
const all = Object.values(settings) as Setting<unknown>[];
const reference = configurationReference();

function row(env: string): string {
  const line = reference.split('\n').find((l) => l.startsWith(`| \`${env}\` |`));
  assert.ok(line, `${env} has a row in the reference`);
  return line;
}

interface ZodInternals {
  def: {
    type: string;
    checks?: { _zod: { def: Record<string, unknown> } }[];
    in?: { _zod: ZodInternals };
    entries?: Record<string, string>;
  };
}

/** The zod checks of a schema, through pipes (transforms keep the input's checks). */
function checksOf(schema: unknown): { checks: Record<string, unknown>[]; enumValues: string[] } {
  const out = { checks: [] as Record<string, unknown>[], enumValues: [] as string[] };
  let z: ZodInternals | undefined = (schema as { _zod: ZodInternals })._zod;
  while (z) {
    out.checks.push(...(z.def.checks ?? []).map((c) => c._zod.def));
    if (z.def.type === 'enum') out.enumValues.push(...Object.values(z.def.entries ?? {}));
    z = z.def.in?._zod;
  }
  return out;
}

test('config reference: every length, range, whole-number and enum check is stated', () => {
  for (const s of all) {
    const r = row(s.env);
    const { checks, enumValues } = checksOf(s.schema);
    for (const c of checks) {
      if (c['check'] === 'min_length') {
        const min = Number(c['minimum']);
        if (min <= 1) assert.match(r, /not be empty|[Nn]on-empty path|1 to \d+/, `${s.env}: non-empty`);
        else assert.ok(r.includes(`at least ${min} characters`), `${s.env}: at least ${min} characters`);
      }
      if (c['check'] === 'greater_than' || c['check'] === 'less_than') {
        assert.match(r, new RegExp(`\\b${Number(c['value'])}\\b`), `${s.env}: bound ${c['value']}`);
      }
      if (c['check'] === 'number_format') assert.match(r, /whole number/, `${s.env}: whole number`);
      if (c['check'] === 'string_format' && c['format'] === 'url') assert.match(r, /URL/, `${s.env}: URL`);
    }
    for (const v of enumValues) assert.ok(r.includes(`\`${v}\``), `${s.env}: value ${v}`);
  }
});

/** What a schema's own messages say, mapped to what the row must then say. */
const MESSAGE_RULES: [message: RegExp, row: RegExp][] = [
  [/http\(s\) URL/, /http:\/\/ or https:\/\//],
  [/query or fragment/, /without query or fragment/],
  [/postgres:\/\/ or postgresql:\/\//, /`postgres:\/\/` or `postgresql:\/\/`/],
  [/base64url/, /base64url/],
  [/lower-case SQL identifier/, /lower-case SQL identifier of 1 to 63 characters/],
  [/without spaces or "\+"/, /1 to 200 characters.*no spaces, no `\+`/],
  [/scenario name/, /1 to 40 characters of `a-z` and `_`/],
];
const PROBES = [
  '',
  'x',
  'ftp://example.org',
  'https://example.org/a?q=1#f',
  'Not A Name!',
  'a+b c',
  '-1',
  '1.5',
  '99999999',
  'x'.repeat(300),
];

test('config reference: every message a setting gives for a bad value is reflected in its row', () => {
  for (const s of all) {
    const r = row(s.env);
    const messages = new Set<string>();
    for (const probe of PROBES) {
      const parsed = s.schema.safeParse(probe);
      if (!parsed.success) for (const issue of parsed.error.issues) messages.add(issue.message);
    }
    // zod's own "at least 1 character" is checked as "not empty" by the test above.
    messages.delete('Too small: expected string to have >=1 characters');
    for (const message of messages) {
      for (const n of message.match(/\b\d+\b/g) ?? []) {
        assert.match(r, new RegExp(`\\b${n}\\b`), `${s.env}: "${message}" → ${n}`);
      }
      for (const [m, expected] of MESSAGE_RULES) {
        if (m.test(message)) assert.match(r, expected, `${s.env}: "${message}"`);
      }
    }
  }
});

test('config reference: every production refusal of loadConfig is stated on its variable', () => {
  const problems: string[] = [];
  for (const env of [
    {
      NODE_ENV: 'production',
      GOVBRIDGE_PUBLIC_URL: 'http://hub.example',
      GOVBRIDGE_SIMULATORS: 'true',
      GOVBRIDGE_DEMO_SERVICES: 'true',
      GOVBRIDGE_SINGPASS_ISSUER: 'http://sp.example',
      GOVBRIDGE_ONELOGIN_ISSUER: 'http://ol.example/',
      GOVBRIDGE_ONELOGIN_DID_URL: 'http://id.example/.well-known/did.json',
      GOVBRIDGE_ONELOGIN_IDENTITY_ISSUER: 'http://id.example/',
    },
    { NODE_ENV: 'production', GOVBRIDGE_KEY_ENCRYPTION_KEY: DEVELOPMENT_KEY_ENCRYPTION_KEY },
  ]) {
    try {
      loadConfig(env);
      assert.fail('a hostile production configuration loaded');
    } catch (err) {
      problems.push(
        ...String((err as Error).message)
          .split('\n  - ')
          .slice(1),
      );
    }
  }
  const known = new Set(all.map((s) => s.env));
  let checked = 0;
  for (const problem of problems) {
    const variable = problem.split(' ')[0] ?? '';
    if (!known.has(variable)) continue;
    checked += 1;
    assert.match(row(variable), /production/, `${variable} row states: ${problem}`);
    if (/https:\/\//.test(problem)) assert.match(row(variable), /https:\/\/ in production/, problem);
  }
  assert.ok(checked >= 13, `production guards found: ${checked}`);
});

test('config reference: NODE_ENV must be explicit for an https public URL, and says so', () => {
  assert.throws(() => loadConfig({ GOVBRIDGE_PUBLIC_URL: 'https://hub.example' }), /NODE_ENV must be set/);
  assert.match(row('NODE_ENV'), /set explicitly when `GOVBRIDGE_PUBLIC_URL` is https:\/\//);
  assert.match(row('GOVBRIDGE_PUBLIC_URL'), /`NODE_ENV` must be set explicitly/);
});

test('config reference: key files state the pinned algorithm, kid and private part of each purpose', () => {
  // Which key purposes each file feeds (src/app.ts, openContext).
  const files: Record<string, KeyPurpose[]> = {
    GOVBRIDGE_SIGNING_KEYS_FILE: ['hub-sig'],
    GOVBRIDGE_NOTIFICATION_KEYS_FILE: ['notify-sig'],
    GOVBRIDGE_LEDGER_KEYS_FILE: ['ledger-sig'],
    GOVBRIDGE_SINGPASS_KEYS_FILE: ['singpass-sig', 'singpass-enc'],
    GOVBRIDGE_ONELOGIN_KEYS_FILE: ['onelogin-sig'],
  };
  for (const [env, purposes] of Object.entries(files)) {
    const r = row(env);
    for (const p of purposes) assert.ok(r.includes(`alg: ${KEY_PURPOSES[p].alg}`), `${env}: ${p}`);
    assert.match(r, /`kid`/, env);
    assert.match(r, /private part `d`/, env);
    assert.match(r, /production/i, env);
  }
});

test('config reference: simulator scenario settings point to the README that lists the scenarios', () => {
  for (const [env, readme, names] of [
    ['GOVBRIDGE_ONELOGIN_SIMULATOR_SCENARIO', 'src/simulators/onelogin/README.md', ONELOGIN_SCENARIOS],
    ['GOVBRIDGE_SINGPASS_SIMULATOR_SCENARIO', 'src/simulators/singpass/README.md', singpassScenarios],
  ] as const) {
    assert.ok(row(env).includes(readme), `${env} names ${readme}`);
    assert.ok(names.length > 0);
  }
  const text = readFileSync(new URL('../../src/simulators/onelogin/README.md', import.meta.url), 'utf8');
  for (const name of ONELOGIN_SCENARIOS)
    assert.ok(text.includes(`\`${name}\``), `One Login README lists ${name}`);
});

test('config reference: an empty variable counts as unset, and the reference says so', () => {
  assert.equal(loadConfig({ NODE_ENV: 'test', PORT: '' }).port, 3000);
  assert.match(reference, /empty string counts as unset/);
});
