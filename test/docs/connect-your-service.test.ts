/**
 * docs/connect-your-service.md names fields, scopes, claims, acr values, hosting environments,
 * personas, scenarios and error codes. Each must exist in the code or its data files, and the guide
 * must not leave out a `govbridge_*` field, a scope, an attribute, an acr value, an environment, a
 * persona, a scenario or an error the login pipeline sends to a relying party. Every set below is read
 * from the code and data, not kept by hand here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { errors as providerErrors } from 'oidc-provider';
import { registrationMetadata } from '../../examples/relying-party/relying-party.ts';
import {
  ClientRegistry,
  GOVBRIDGE_METADATA,
  govbridgeMetadataSchema,
} from '../../src/broker/client-registry.ts';
import { SCOPE_CLAIMS, WITHHELD_CLAIM } from '../../src/broker/provider.ts';
import { isClientId } from '../../src/kernel/index.ts';
import { loadPolicyEngine } from '../../src/policy/index.ts';
import { PERSONAS as ONELOGIN_PERSONAS } from '../../src/simulators/onelogin/personas.ts';
import { SCENARIOS as ONELOGIN_SCENARIOS } from '../../src/simulators/onelogin/types.ts';
import { personas as SINGPASS_PERSONAS } from '../../src/simulators/singpass/personas.ts';
import { scenarios as SINGPASS_SCENARIOS } from '../../src/simulators/singpass/scenarios.ts';
import { loadEnvironments, loadTrustFramework } from '../../src/trust/index.ts';
import {
  allSpans,
  firstSpan,
  type MarkdownTable as Table,
  markdownTables as tables,
  withoutFences,
} from '../support/markdown-tables.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const GUIDE = join(ROOT, 'docs', 'connect-your-service.md');

interface Facts {
  govbridgeFields: string[];
  withheldClaim: string;
  scopes: Record<string, string[]>;
  attributes: string[];
  acrValues: string[];
  environments: string[];
  singpassPersonas: string[];
  oneLoginPersonas: string[];
  singpassScenarios: string[];
  oneLoginScenarios: string[];
  policyIds: string[];
  /** Every OAuth error code the hub's OpenID Provider (oidc-provider) or the login pipeline can send. */
  errorCodes: string[];
  /** The errors the login pipeline sends to a relying party's redirect URI (toOidcError). */
  redirectErrors: string[];
  /** The keys of the example client's registration (examples/relying-party). */
  exampleRegistrationKeys: string[];
}

/** The errors `toOidcError` (src/broker/login/error-routes.ts) can return, read from its source. */
function toOidcErrorCodes(): string[] {
  const source = readFileSync(join(ROOT, 'src/broker/login/error-routes.ts'), 'utf8');
  const start = source.indexOf('export function toOidcError(');
  assert.ok(start >= 0, 'toOidcError is in error-routes.ts');
  const body = source.slice(start, source.indexOf('\n}\n', start));
  const codes = new Set([
    ...[...body.matchAll(/case '([a-z_]+)':/g)].map((m) => m[1]!),
    ...[...body.matchAll(/error: '([a-z_]+)'/g)].map((m) => m[1]!),
  ]);
  // The function passes some GovbridgeError codes through; the hub's codes are not all OAuth errors.
  return [...codes];
}

function providerErrorCodes(): string[] {
  const out = new Set<string>();
  for (const Err of Object.values(providerErrors)) {
    try {
      const e = new (Err as new (d: string) => { error?: unknown })('description');
      if (typeof e.error === 'string' && /^[a-z_]+$/.test(e.error)) out.add(e.error);
    } catch {
      // Not an error with a fixed code.
    }
  }
  return [...out];
}

function facts(): Facts {
  const trust = loadTrustFramework(join(ROOT, 'trust/trust-framework.yaml'));
  const environments = loadEnvironments(join(ROOT, 'trust/environments.yaml'));
  const policyIds = readdirSync(join(ROOT, 'policies'))
    .filter((f) => f.endsWith('.cedar'))
    .flatMap((f) =>
      [...readFileSync(join(ROOT, 'policies', f), 'utf8').matchAll(/@id\("([^"]+)"\)/g)].map((m) => m[1]!),
    );
  const redirectErrors = toOidcErrorCodes();
  return {
    govbridgeFields: [...GOVBRIDGE_METADATA],
    withheldClaim: WITHHELD_CLAIM,
    scopes: SCOPE_CLAIMS,
    attributes: Object.keys(trust.claims),
    acrValues: trust.hubLevels.map((l) => l.acr),
    environments: environments.environments.map((e) => e.id),
    singpassPersonas: SINGPASS_PERSONAS.map((p) => p.id),
    oneLoginPersonas: ONELOGIN_PERSONAS.map((p) => p.id),
    singpassScenarios: [...SINGPASS_SCENARIOS],
    oneLoginScenarios: [...ONELOGIN_SCENARIOS],
    policyIds,
    errorCodes: [...new Set([...providerErrorCodes(), ...redirectErrors])],
    redirectErrors,
    exampleRegistrationKeys: Object.keys(
      registrationMetadata({
        clientId: 'x',
        clientName: 'x',
        redirectUri: 'https://x.example/cb',
        postLogoutRedirectUri: 'https://x.example/out',
        publicJwk: {},
        country: 'GB',
        agency: 'x',
        purpose: 'x',
        attributes: [],
        minAcr: 'x',
        environment: 'x',
      }),
    ),
  };
}

/** Inline code spans outside fenced blocks. */
function spans(text: string): string[] {
  return [...withoutFences(text).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
}

const ERROR_LIKE =
  /^(invalid_[a-z_]+|[a-z_]+_(denied|required|unavailable|error|requirements)|unauthorized_client|unsupported_[a-z_]+|use_dpop_nonce|insufficient_scope)$/;

/** What is wrong with the guide: each problem a sentence; none when the guide matches the code. */
function problems(guide: string, f: Facts): string[] {
  const out: string[] = [];
  const all = tables(guide);
  const named = spans(guide);
  const missing = (what: string, expected: readonly string[], listed: readonly string[]) => {
    for (const e of expected) if (!listed.includes(e)) out.push(`${what}: the guide leaves out ${e}`);
  };
  const unknown = (what: string, listed: readonly string[], known: readonly string[]) => {
    for (const l of listed) if (!known.includes(l)) out.push(`${what}: ${l} is not in the code`);
  };
  const table = (first: string, where?: (t: Table) => boolean) =>
    all.filter((t) => t.header[0]?.replace(/`/g, '') === first && (!where || where(t)));
  const column = (ts: Table[], i = 0) =>
    ts.flatMap((t) => t.rows.map((r) => firstSpan(r[i]))).filter((x): x is string => x !== undefined);

  // govbridge_* fields: named anywhere, listed in the field table, all present.
  const govbridge = [...f.govbridgeFields, f.withheldClaim];
  unknown(
    'govbridge_* name',
    named.filter((s) => /^govbridge_[a-z_]+$/.test(s)),
    govbridge,
  );
  const fieldTables = table('field', (t) => t.rows.every((r) => firstSpan(r[0])?.startsWith('govbridge_')));
  if (fieldTables.length === 0) out.push('no table of govbridge_* fields');
  missing('govbridge_* field table', f.govbridgeFields, column(fieldTables));
  missing('govbridge_withheld', [f.withheldClaim], named);
  // The standard fields: those the example client registers.
  const standard = table('field', (t) => !fieldTables.includes(t)).flatMap((t) =>
    t.rows.flatMap((r) => allSpans(r[0])),
  );
  const exampleStandard = f.exampleRegistrationKeys.filter((k) => !k.startsWith('govbridge_'));
  missing('standard field table', exampleStandard, standard);
  unknown('standard field table', standard, exampleStandard);

  // Scopes and the claims each carries.
  const scopeTables = table('scope');
  if (scopeTables.length === 0) out.push('no table of scopes');
  for (const row of scopeTables.flatMap((t) => t.rows)) {
    const scope = firstSpan(row[0]) ?? '';
    const claims = allSpans(row[1]);
    if (!(scope in f.scopes)) out.push(`scope: ${scope} is not in the code`);
    else if (JSON.stringify([...claims].sort()) !== JSON.stringify([...f.scopes[scope]!].sort()))
      out.push(`scope ${scope}: the guide says ${claims.join(' ')}, the code ${f.scopes[scope]!.join(' ')}`);
  }
  missing('scope table', Object.keys(f.scopes), column(scopeTables));

  // Attributes (the common claim set) and the claims of the scopes.
  const attributeTables = table('attribute');
  missing('attribute table', f.attributes, column(attributeTables));
  unknown('attribute table', column(attributeTables), f.attributes);
  unknown(
    'urn:govbridge:claims name',
    named.filter((s) => s.startsWith('urn:govbridge:claims:')),
    f.attributes,
  );

  // acr values.
  const acrTables = table('acr');
  missing('acr table', f.acrValues, column(acrTables));
  for (const s of [...guide.matchAll(/urn:govbridge:loa:[a-z_]+/g)].map((m) => m[0]))
    if (!f.acrValues.includes(s)) out.push(`acr: ${s} is not in the code`);

  // Hosting environments; any other kebab-case name must be a persona or a policy id.
  const environmentTables = table('environment');
  missing('environment table', f.environments, column(environmentTables));
  unknown('environment table', column(environmentTables), f.environments);
  const personas = [...f.singpassPersonas, ...f.oneLoginPersonas];
  unknown(
    'environment, persona or policy id',
    named.filter((s) => /^[a-z0-9]+(-[a-z0-9]+)+$/.test(s)),
    [...f.environments, ...personas, ...f.policyIds],
  );

  // Personas and scenarios, in their tables and in every login_hint.
  const personaTables = table('persona');
  missing('persona table', personas, column(personaTables));
  for (const row of personaTables.flatMap((t) => t.rows)) {
    const id = firstSpan(row[0]) ?? '';
    const scheme = row[1]?.trim();
    const known =
      scheme === 'Singpass' ? f.singpassPersonas : scheme === 'One Login' ? f.oneLoginPersonas : [];
    if (!known.includes(id)) out.push(`persona: ${id} is not a ${scheme ?? '?'} persona in the code`);
  }
  const scenarioTables = table('scenario');
  const scenarios = [...new Set([...f.singpassScenarios, ...f.oneLoginScenarios])];
  missing('scenario table', scenarios, column(scenarioTables));
  for (const row of scenarioTables.flatMap((t) => t.rows)) {
    const name = firstSpan(row[0]) ?? '';
    const scheme = row[1]?.trim();
    const inSingpass = f.singpassScenarios.includes(name);
    const inOneLogin = f.oneLoginScenarios.includes(name);
    const ok =
      scheme === 'both'
        ? inSingpass && inOneLogin
        : scheme === 'Singpass'
          ? inSingpass && !inOneLogin
          : scheme === 'One Login'
            ? inOneLogin && !inSingpass
            : false;
    if (!ok) out.push(`scenario: ${name} is not a scenario of ${scheme ?? '?'} (alone) in the code`);
  }
  for (const m of guide.matchAll(/login_hint=([A-Za-z0-9._@+-]+)(?::([a-z_0-9]+))?/g)) {
    if (!personas.includes(m[1]!)) out.push(`login_hint: ${m[1]} is not a persona in the code`);
    if (m[2] && !scenarios.includes(m[2])) out.push(`login_hint: ${m[2]} is not a scenario in the code`);
  }

  // Errors: every code in an error table or named like an error exists; the redirect errors are all listed.
  const errorTables = table('error');
  const listedErrors = column(errorTables);
  unknown('error table', listedErrors, f.errorCodes);
  unknown(
    'error code',
    // Scenario names (`invalid_iss`) are checked with the scenarios.
    named.filter((s) => ERROR_LIKE.test(s) && !scenarios.includes(s)),
    f.errorCodes,
  );
  const redirectTables = errorTables.filter((t) => /redirect URI/i.test(t.section));
  if (redirectTables.length === 0) out.push('no table of the errors sent to the redirect URI');
  missing('redirect URI error table', f.redirectErrors, column(redirectTables));

  // The example registration validates against the hub's own rules.
  const json = [...guide.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((j) => j.includes('"govbridge_country"'));
  if (!json) out.push('no example registration (a json block with govbridge_country)');
  else {
    const registration = JSON.parse(json) as Record<string, unknown>;
    const o = { knownAttributes: f.attributes, hubLevels: f.acrValues, environments: f.environments };
    const parsed = govbridgeMetadataSchema(o).safeParse(registration);
    if (!parsed.success)
      out.push(
        `example registration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    if (!isClientId(registration['client_id'])) out.push('example registration: client_id is not valid');
    const registry = new ClientRegistry({
      storage: undefined as never,
      ...o,
      allowLoopbackHttpRedirects: false,
    });
    const redirect = registry.redirectProblem(registration);
    if (redirect) out.push(`example registration: ${redirect}`);
    missing('example registration', f.exampleRegistrationKeys, Object.keys(registration));
  }
  return out;
}

describe('docs/connect-your-service.md', () => {
  const f = facts();
  const guide = readFileSync(GUIDE, 'utf8');

  test('the sets read from the code are not empty', () => {
    assert.ok(f.redirectErrors.length >= 5, `toOidcError codes: ${f.redirectErrors.join(' ')}`);
    assert.ok(f.errorCodes.includes('invalid_client') && f.errorCodes.includes('server_error'));
    assert.equal(f.govbridgeFields.length, 7);
    assert.ok(f.singpassPersonas.length > 0 && f.oneLoginPersonas.length > 0);
    assert.ok(f.policyIds.includes('release-within-environment'));
  });

  test('every field, scope, claim, acr value, environment, persona, scenario and error it names exists, and none is left out', () => {
    assert.deepEqual(problems(guide, f), []);
  });

  test('the check notices a made-up name of each kind', () => {
    const broken = `${guide}
| field | what |
| --- | --- |
| \`govbridge_colour\` | x |

Ask with \`urn:govbridge:loa:extreme\` from \`uk-moon-base\`; try \`login_hint=nobody:meltdown\`.

## At your redirect URI (made up)

| error | when |
| --- | --- |
| \`invalid_mood\` | x |
`;
    const found = problems(broken, f).join('\n');
    for (const name of [
      'govbridge_colour',
      'urn:govbridge:loa:extreme',
      'uk-moon-base',
      'nobody',
      'meltdown',
      'invalid_mood',
    ])
      assert.match(found, new RegExp(name), `${name} not noticed:\n${found}`);
  });

  test('the check notices a field, error, scope claim, persona or scenario the guide leaves out', () => {
    const cut = guide
      .replace(/^\| `govbridge_purpose` .*\n/m, '')
      .replace(/^\| `temporarily_unavailable` \| The person's national scheme .*\n/m, '')
      .replace(/^\| `email` \| `email`, `email_verified` \|\n/m, '| `email` | `email` |\n')
      .replace(/^\| `joseph-lowe` .*\n/m, '')
      .replace(/^\| `core_identity_expired` .*\n/m, '');
    assert.notEqual(cut, guide);
    const found = problems(cut, f).join('\n');
    for (const what of [
      'govbridge_\\* field table: the guide leaves out govbridge_purpose',
      'redirect URI error table: the guide leaves out temporarily_unavailable',
      'scope email',
      'persona table: the guide leaves out joseph-lowe',
      'scenario table: the guide leaves out core_identity_expired',
    ])
      assert.match(found, new RegExp(what), `not noticed: ${what}\n${found}`);
  });

  test('the attribute table: which scheme supplies each, and its classification, as the trust framework says', () => {
    const trust = loadTrustFramework(join(ROOT, 'trust/trust-framework.yaml'));
    const rows = tables(guide)
      .filter((t) => t.header[0] === 'attribute')
      .flatMap((t) => t.rows);
    assert.ok(rows.length > 0);
    for (const row of rows) {
      const name = firstSpan(row[0])!;
      const claim = trust.claims[name]!;
      for (const [i, scheme] of [
        [1, 'singpass'],
        [2, 'onelogin'],
      ] as const) {
        const says = !/^no\b/.test(row[i] ?? '');
        assert.equal(says, name in trust.schemes[scheme].claims, `${name}: ${scheme} column "${row[i]}"`);
      }
      const uk = claim.classification.uk;
      const label = `${uk.marking}${uk.descriptor ? ` [${uk.descriptor}]` : ''} / ${claim.classification.sg.classification}`;
      assert.equal(row[3], label, `${name}: classification`);
    }
  });

  test("the environment table's 'may receive' is what the release policy decides", () => {
    const trust = loadTrustFramework(join(ROOT, 'trust/trust-framework.yaml'));
    const environments = loadEnvironments(join(ROOT, 'trust/environments.yaml'));
    const policy = loadPolicyEngine({ dir: join(ROOT, 'policies'), trust, environments });
    const rows = tables(guide)
      .filter((t) => t.header[0] === 'environment')
      .flatMap((t) => t.rows);
    const cellOf = new Map(rows.map((r) => [firstSpan(r[0])!, r[2] ?? '']));
    const expected = (cell: string): { GB: 'all' | 'none'; SG: 'all' | 'none' } => {
      const same = /^The same as `([^`]+)`/.exec(cell);
      if (same) return expected(cellOf.get(same[1]!) ?? '');
      if (/^Nothing personal/.test(cell)) return { GB: 'none', SG: 'none' };
      if (/^Every attribute, for a UK or a Singapore service/.test(cell)) return { GB: 'all', SG: 'all' };
      if (/^Every attribute, for a UK service\. Nothing personal for a Singapore service/.test(cell))
        return { GB: 'all', SG: 'none' };
      throw new Error(`cannot read "${cell}"`);
    };
    assert.equal(rows.length, environments.environments.length);
    for (const [id, cell] of cellOf) {
      const want = expected(cell);
      for (const country of ['GB', 'SG'] as const) {
        const decisions = policy.decideRelease({
          recipient: { kind: 'service', id: 'guide', name: 'A service', country, environment: id },
          attributes: f.attributes,
          context: { purpose: 'To check', consentGiven: true, crossBorder: false, legalBasis: 'consent' },
        });
        const allowed = decisions.filter((d) => d.decision === 'allow').map((d) => d.attribute);
        const got =
          allowed.length === f.attributes.length ? 'all' : allowed.length === 0 ? 'none' : allowed.join(' ');
        assert.equal(got, want[country], `${id}, a ${country} service: the guide says "${cell}"`);
      }
    }
  });
});
