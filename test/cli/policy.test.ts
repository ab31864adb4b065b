import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { testDialect } from '../support/storage.ts';

/** `npm run cli -- policy what-if`: the release policy's decisions, as an operator asks them. */
const ROOT = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'govbridge-cli-policy-'));
const schema = `cli_policy_${randomBytes(5).toString('hex')}`;
const env: Record<string, string> = {
  PATH: process.env['PATH'] ?? '',
  NODE_ENV: 'test',
  ...(process.env['DATABASE_URL']
    ? { DATABASE_URL: process.env['DATABASE_URL'], GOVBRIDGE_DATABASE_SCHEMA: schema }
    : { GOVBRIDGE_SQLITE_PATH: join(dir, 'cli.db') }),
};

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The table's row for an attribute, as [attribute, decision, policies, reason]. */
function row(stdout: string, attribute: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${attribute} `));
  assert.ok(line, `no row for ${attribute} in:\n${stdout}`);
  return line.split(/ {2,}/);
}

describe(`operator CLI: policy what-if (${testDialect()})`, () => {
  before(async () => {
    const file = join(dir, 'client.json');
    writeFileSync(
      file,
      JSON.stringify({
        client_id: 'dwp-nino',
        client_name: 'Apply for a National Insurance number',
        redirect_uris: ['https://dwp.example.gov.uk/callback'],
        jwks: { keys: [] },
        govbridge_country: 'GB',
        govbridge_agency: 'Department for Work and Pensions (demo)',
        govbridge_purpose: 'To confirm who you are',
        govbridge_attributes: ['name', 'birthdate', 'email'],
        govbridge_min_acr: 'urn:govbridge:loa:substantial',
        govbridge_environment: 'uk-public-cloud',
      }),
    );
    const r = await cli(['clients', 'register', '--file', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Registered dwp-nino .* in uk-public-cloud/);
  });
  after(async () => {
    if (process.env['DATABASE_URL']) {
      const c = new pg.Client({ connectionString: process.env['DATABASE_URL'] });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  });

  test('help describes the command; an agency is read from its registration', async () => {
    const r = await cli(['help']);
    assert.match(r.stdout, /policy what-if \(--client ID \| --agency ID\)/);
    assert.match(
      r.stdout,
      /an agency's country,\s+environment and entitled fields come from its registration/,
    );
  });

  test('a registered agency: its environment, country and entitled fields from its registration', async () => {
    const file = join(dir, 'agency.json');
    writeFileSync(
      file,
      JSON.stringify({
        agencyId: 'offshore_archive',
        name: 'Offshore archive (test)',
        country: 'GB',
        website: 'https://www.gov.uk',
        environment: 'overseas-commercial',
        endpoint: 'https://archive.example/notify',
        encryptionJwk: {
          kty: 'EC',
          crv: 'P-256',
          x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
          y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
          kid: 'archive-1',
        },
        subscriptions: [{ eventType: 'death', attributes: ['deceased_name', 'place_of_death'] }],
      }),
    );
    const reg = await cli(['agencies', 'register', '--file', file]);
    assert.equal(reg.code, 0, reg.stderr);
    const r = await cli(['policy', 'what-if', '--agency', 'offshore_archive', '--legal-basis', 'consent']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^agency offshore_archive \(GB\) in overseas-commercial/);
    assert.equal(row(r.stdout, 'death.deceased_name')[1], 'deny');
    assert.equal(row(r.stdout, 'death.place_of_death')[1], 'deny');
    const unknown = await cli(['policy', 'what-if', '--agency', 'nobody_here']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /No agency nobody_here/);
  });

  test('a client: its registered environment, purpose and attributes, one row per attribute', async () => {
    const r = await cli(['policy', 'what-if', '--client', 'dwp-nino', '--cross-border']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^service dwp-nino \(GB\) in uk-public-cloud: UK up to OFFICIAL-SENSITIVE/);
    assert.match(r.stdout, /legal basis consent; cross-border; consent given/);
    assert.match(r.stdout, /^attribute +decision +deciding policy +reason$/m);
    for (const a of ['name', 'birthdate', 'email']) {
      const [, decision, policy, reason] = row(r.stdout, a);
      assert.equal(decision, 'allow');
      assert.equal(policy, 'release-within-environment');
      assert.match(
        reason!,
        /^Apply for a National Insurance number keeps information in UK public cloud region/,
      );
    }
  });

  test('what if the client moved outside both countries: withheld, with each deciding policy', async () => {
    const r = await cli([
      'policy',
      'what-if',
      '--client',
      'dwp-nino',
      '--environment',
      'overseas-commercial',
      '--attributes',
      'name,email_verified',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [, decision, policies, reason] = row(r.stdout, 'name');
    assert.equal(decision, 'deny');
    assert.equal(
      policies,
      'above-environment-uk-ceiling, above-environment-sg-ceiling, above-environment-common-rank',
    );
    assert.match(reason!, /which may hold published information at most/);
  });

  test('lawfulness: a cross-border release without a legal basis; an agency keeping data abroad', async () => {
    const noBasis = await cli([
      'policy',
      'what-if',
      '--client',
      'dwp-nino',
      '--attributes',
      'name',
      '--cross-border',
      '--legal-basis',
      'none',
    ]);
    assert.equal(noBasis.code, 0, noBasis.stderr);
    assert.equal(row(noBasis.stdout, 'name')[2], 'cross-border-needs-legal-basis');

    const agency = await cli([
      'policy',
      'what-if',
      '--agency',
      'ica',
      '--environment',
      'uk-public-cloud',
      '--country',
      'SG',
      '--attributes',
      'address',
      '--legal-basis',
      'sg-agency-authorisation',
      '--purpose',
      'To update immigration records',
    ]);
    assert.equal(agency.code, 0, agency.stderr);
    assert.match(agency.stdout, /^agency ica \(SG\) in uk-public-cloud/);
    assert.equal(row(agency.stdout, 'address')[2], 'sg-agency-keeps-data-in-singapore');
    const inSingapore = await cli([
      'policy',
      'what-if',
      '--agency',
      'ica',
      '--environment',
      'sg-gcc',
      '--country',
      'SG',
      '--attributes',
      'address',
      '--legal-basis',
      'sg-agency-authorisation',
    ]);
    // No purpose stated: withheld whatever the environment.
    assert.equal(row(inSingapore.stdout, 'address')[2], 'purpose-required');
  });

  test('policy environments lists the registry', async () => {
    const r = await cli(['policy', 'environments']);
    assert.equal(r.code, 0, r.stderr);
    for (const id of [
      'uk-public-cloud',
      'uk-accredited',
      'sg-gcc',
      'sg-gcc-plus',
      'sg-on-premises',
      'overseas-commercial',
    ])
      assert.match(r.stdout, new RegExp(`^${id} `, 'm'));
  });

  test('bad input: usage mistakes exit 2 with the usage, unknown things exit 1 naming them', async () => {
    const cases: [string[], number, RegExp][] = [
      [['policy', 'what-if', '--attributes', 'name'], 2, /exactly one of --client or --agency/],
      [
        ['policy', 'what-if', '--client', 'dwp-nino', '--agency', 'x'],
        2,
        /exactly one of --client or --agency/,
      ],
      [
        ['policy', 'what-if', '--agency', 'ica', '--attributes', 'name'],
        2,
        /No agency ica .*describe it with --environment and --country/,
      ],
      [['policy', 'what-if', '--client', 'nobody'], 2, /No client nobody/],
      [
        ['policy', 'what-if', '--client', 'dwp-nino', '--legal-basis', 'vibes'],
        2,
        /--legal-basis must be one of consent/,
      ],
      [['policy', 'what-if', '--client', 'dwp-nino', '--country', 'FR'], 2, /--country must be GB or SG/],
      [
        ['policy', 'what-if', '--client', 'dwp-nino', '--attributes', ','],
        2,
        /--attributes must name at least one/,
      ],
      [['policy', 'what-if', '--client', 'dwp-nino', '--colour', 'red'], 2, /Unknown option '--colour'/],
      [['policy', 'nonsense'], 2, /Unknown command: policy nonsense/],
      [
        ['policy', 'what-if', '--client', 'dwp-nino', '--environment', 'a-cupboard'],
        1,
        /Unknown hosting environment "a-cupboard"/,
      ],
      [
        ['policy', 'what-if', '--client', 'dwp-nino', '--attributes', 'name,shoe_size'],
        1,
        /Unknown attribute "shoe_size"/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      if (code === 2) assert.match(r.stderr, /policy what-if/, 'usage follows');
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});

describe('start-up refuses a broken release policy or environments file', () => {
  /** `node src/server.ts` from another working directory (policies/ is read relative to it). */
  function server(cwd: string, extraEnv: Record<string, string> = {}) {
    const child = spawn(process.execPath, [join(ROOT, 'src/server.ts')], {
      cwd,
      env: {
        ...env,
        PORT: '0',
        GOVBRIDGE_TRUST_FRAMEWORK: join(ROOT, 'trust/trust-framework.yaml'),
        GOVBRIDGE_CATALOGUE_DIR: join(ROOT, 'catalogue'),
        ...extraEnv,
      },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    return new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      }),
    );
  }

  test('a policy that does not validate: the file, the line, the policy and the reason', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'govbridge-broken-policy-'));
    cpSync(join(ROOT, 'policies'), join(cwd, 'policies'), { recursive: true });
    appendFileSync(
      join(cwd, 'policies', 'legal-basis.cedar'),
      '\n@id("typo")\n@reason("x")\nforbid (principal, action, resource) when { context.purpse == "" };\n',
    );
    const r = await server(cwd);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Release policy in policies is invalid/);
    assert.match(r.stderr, /policies\/legal-basis\.cedar:\d+: policy typo: .*attribute `purpse`/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('an environments file with an unknown label: the file, the path and the reason', async () => {
    const trust = mkdtempSync(join(tmpdir(), 'govbridge-broken-env-'));
    cpSync(join(ROOT, 'trust'), trust, { recursive: true });
    appendFileSync(
      join(trust, 'environments.yaml'),
      '\n  - id: broken\n    name: x\n    operator: x\n    description: x\n    jurisdiction: GB\n    uk: { maxMarking: PROTECT }\n    sg: { maxClassification: RESTRICTED }\n    segregated: false\n    sources: [https://example.org]\n',
    );
    const r = await server(ROOT, { GOVBRIDGE_TRUST_FRAMEWORK: join(trust, 'trust-framework.yaml') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /environments\.yaml is invalid/);
    assert.match(r.stderr, /environments\[6\]\.uk\.maxMarking: unknown UK marking "PROTECT"/);
  });
});
