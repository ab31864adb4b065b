import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { GovbridgeError } from '../kernel/index.ts';
import { loadTrustFramework, parseTrustFramework } from './index.ts';
import { TRUST_FRAMEWORK_FILE } from './test-fixtures.ts';

const realText = readFileSync(TRUST_FRAMEWORK_FILE, 'utf8');

/**
 * The real file, changed by `edits`, as YAML text: each broken-file test changes as little as it can.
 * Paths are `/`-separated because keys contain dots and colons (`Cl.Cm.P2`, `urn:…`).
 */
type Edit = (doc: unknown) => void;
type Node = Record<string, unknown>;
function get(doc: unknown, path: string): unknown {
  return path === '' ? doc : path.split('/').reduce<unknown>((v, k) => (v as Node)[k], doc);
}
function parentOf(doc: unknown, path: string): [Node, string] {
  const keys = path.split('/');
  return [get(doc, keys.slice(0, -1).join('/')) as Node, keys.at(-1)!];
}
const set =
  (path: string, value: unknown): Edit =>
  (doc) => {
    const [parent, key] = parentOf(doc, path);
    parent[key] = value;
  };
const del =
  (path: string): Edit =>
  (doc) => {
    const [parent, key] = parentOf(doc, path);
    delete parent[key];
  };
const copy =
  (from: string, to: string, extra: Node = {}): Edit =>
  (doc) =>
    set(to, { ...(get(doc, from) as Node), ...extra })(doc);
const onList =
  (path: string, change: (list: unknown[]) => void): Edit =>
  (doc) =>
    change(get(doc, path) as unknown[]);
function edited(...edits: Edit[]): string {
  const doc: unknown = parse(realText);
  for (const e of edits) e(doc);
  return stringify(doc);
}

/** Parse and return the `trust_framework_invalid` message (fails the test if it parses). */
function problemsOf(text: string, name = 'broken.yaml'): string {
  try {
    parseTrustFramework(text, name);
  } catch (err) {
    assert.ok(err instanceof GovbridgeError, `expected a GovbridgeError, got ${String(err)}`);
    assert.equal(err.code, 'trust_framework_invalid');
    assert.equal(err.expose, false);
    assert.match(err.message, new RegExp(`^Trust framework ${name} is invalid`));
    return err.message;
  }
  assert.fail('expected trust_framework_invalid');
}

const SP1 = 'urn:singpass:authentication:loa:1';

describe('loadTrustFramework: the real file', () => {
  const tf = loadTrustFramework(TRUST_FRAMEWORK_FILE);

  it('loads, typed and versioned', () => {
    assert.equal(tf.schema, 1);
    assert.match(tf.version, /^\d{4}-\d{2}-\d{2}\.\d+$/);
    assert.deepEqual(tf.tiers, ['none', 'low', 'substantial', 'high']);
    assert.deepEqual(
      tf.hubLevels.map((l) => l.acr),
      [
        'urn:govbridge:loa:authenticated',
        'urn:govbridge:loa:low',
        'urn:govbridge:loa:substantial',
        'urn:govbridge:loa:high',
      ],
    );
    assert.equal(tf.schemes.singpass.country, 'SG');
    assert.equal(tf.schemes.onelogin.country, 'GB');
    assert.equal(tf.schemes.singpass.assurance.judgement?.official, false);
    assert.equal(tf.sourceName, TRUST_FRAMEWORK_FILE);
  });

  it('is deeply frozen', () => {
    assert.ok(Object.isFrozen(tf));
    assert.ok(Object.isFrozen(tf.schemes.onelogin.assurance.vtr['Cl.Cm.P2']));
    assert.ok(Object.isFrozen(tf.hubLevels));
    assert.throws(() => {
      (tf.hubLevels as unknown as unknown[]).push({});
    }, TypeError);
  });

  it('flags the high level, which no scheme reaches, as a warning only', () => {
    assert.equal(tf.warnings.length, 1);
    assert.match(tf.warnings[0]!, /urn:govbridge:loa:high.*reachable by no scheme/);
  });

  it('never declares Singpass name parts', () => {
    assert.equal(tf.schemes.singpass.claims['given_name'], undefined);
    assert.equal(tf.schemes.singpass.claims['family_name'], undefined);
  });
});

describe('parseTrustFramework: broken files name the file, the path and the reason', () => {
  it('a file that cannot be read', () => {
    assert.throws(() => loadTrustFramework('/nonexistent/trust.yaml'), {
      code: 'trust_framework_invalid',
      message: /Trust framework \/nonexistent\/trust\.yaml cannot be read/,
    });
  });

  it('YAML syntax errors, with line and column', () => {
    const msg = problemsOf('schema: 1\nversion: "2026-11-27.1\n', 'syntax.yaml');
    assert.match(msg, /line \d+, column \d+/);
  });

  it('duplicate keys (a scheme value declared twice)', () => {
    const text = realText.replace(
      '      vtr:\n        Cl:\n',
      '      vtr:\n        Cl.Cm:\n          identity: none\n          authentication: low\n          requestable: true\n          amr: [pwd]\n          description: again\n        Cl:\n',
    );
    assert.notEqual(text, realText);
    assert.match(problemsOf(text), /Map keys must be unique/);
    assert.match(problemsOf(text), /line \d+/);
  });

  it('an unknown tier name', () => {
    const msg = problemsOf(edited(set('schemes/onelogin/assurance/vtr/Cl.Cm.P2/identity', 'medium')));
    assert.match(
      msg,
      /schemes\.onelogin\.assurance\.vtr\["Cl\.Cm\.P2"\]\.identity: unknown tier "medium" \(expected one of none, low, substantial, high\)/,
    );
  });

  it('a mapping UP: Singpass loa:1 declared substantial authentication', () => {
    const msg = problemsOf(
      edited(set(`schemes/singpass/assurance/acr/${SP1}/authentication`, 'substantial')),
    );
    assert.match(
      msg,
      /schemes\.singpass\.assurance\.acr\["urn:singpass:authentication:loa:1"\]\.authentication: maps Singpass "urn:singpass:authentication:loa:1" UP to authentication substantial; its ceiling is low \(map down, never up\)/,
    );
  });

  it('a mapping UP: One Login P1 declared substantial identity, Singpass declared high identity', () => {
    const msg = problemsOf(
      edited(
        set('schemes/onelogin/assurance/vtr/Cl.Cm.P1/identity', 'substantial'),
        set('schemes/singpass/assurance/acr/urn:singpass:authentication:loa:3/identity', 'high'),
      ),
    );
    assert.match(
      msg,
      /vtr\["Cl\.Cm\.P1"\]\.identity: maps GOV\.UK One Login "Cl\.Cm\.P1" UP to identity substantial/,
    );
    assert.match(
      msg,
      /acr\["urn:singpass:authentication:loa:3"\]\.identity: maps Singpass .* UP to identity high/,
    );
  });

  it('a mapping UP: foreign Singpass accounts declared substantial identity', () => {
    const msg = problemsOf(
      edited(set('schemes/singpass/assurance/accountTypes/foreign/identity', 'substantial')),
    );
    assert.match(
      msg,
      /schemes\.singpass\.assurance\.accountTypes\.foreign\.identity: maps foreign accounts UP/,
    );
  });

  it('an unknown scheme value, and a vector One Login refuses (Cl with identity)', () => {
    const msg = problemsOf(
      edited(
        copy(
          `schemes/singpass/assurance/acr/${SP1}`,
          'schemes/singpass/assurance/acr/urn:singpass:authentication:loa:4',
        ),
        copy('schemes/onelogin/assurance/vtr/Cl.Cm.P2', 'schemes/onelogin/assurance/vtr/Cl.P2'),
      ),
    );
    assert.match(
      msg,
      /acr\["urn:singpass:authentication:loa:4"\]: unknown Singpass value .* no reference ceiling/,
    );
    assert.match(msg, /vtr\["Cl\.P2"\]: unknown GOV\.UK One Login value "Cl\.P2"/);
  });

  it('an identity vector whose credential part is not declared', () => {
    const msg = problemsOf(edited(del('schemes/onelogin/assurance/vtr/Cl.Cm')));
    assert.match(msg, /vtr\["Cl\.Cm\.P2"\]: its credential part "Cl\.Cm" must be declared too/);
  });

  it('duplicate hub level ids', () => {
    const msg = problemsOf(edited(set('hubLevels/2/acr', 'urn:govbridge:loa:low')));
    assert.match(msg, /hubLevels\[2\]\.acr: duplicate acr "urn:govbridge:loa:low" \(also hubLevels\[1\]\)/);
  });

  it('hub levels out of order', () => {
    const msg = problemsOf(edited(onList('hubLevels', (l) => l.reverse())));
    assert.match(
      msg,
      /hubLevels\[1\]: must require more than the level before it \("urn:govbridge:loa:high"/,
    );
  });

  it('a hub level no scheme reaches is allowed but warned about', () => {
    const tf = parseTrustFramework(
      edited((doc) => {
        const levels = get(doc, 'hubLevels') as Node[];
        levels.splice(3, 0, { ...levels[2], acr: 'urn:govbridge:loa:substantial-plus', identity: 'high' });
      }),
      'warn.yaml',
    );
    assert.equal(tf.warnings.length, 2);
    assert.match(
      tf.warnings[0]!,
      /"urn:govbridge:loa:substantial-plus" \(identity high, authentication substantial\) is reachable by no scheme/,
    );
  });

  it('a claim mapped into an unknown claim', () => {
    const msg = problemsOf(
      edited(copy('schemes/singpass/claims/name', 'schemes/singpass/claims/middle_name')),
    );
    assert.match(msg, /schemes\.singpass\.claims\.middle_name: maps into unknown claim "middle_name"/);
  });

  it('a claim mapped from an unknown source', () => {
    const msg = problemsOf(
      edited(
        set('schemes/singpass/claims/name/source', 'person.fullname.value'),
        set('schemes/onelogin/claims/birthdate/source', 'coreIdentity.dob'),
      ),
    );
    assert.match(
      msg,
      /schemes\.singpass\.claims\.name\.source: unknown Singpass source "person\.fullname\.value"/,
    );
    assert.match(
      msg,
      /schemes\.onelogin\.claims\.birthdate\.source: unknown GOV\.UK One Login source "coreIdentity\.dob"/,
    );
  });

  it('a source whose scope or userinfo claim the mapping does not ask for', () => {
    const msg = problemsOf(
      edited(
        set('schemes/singpass/claims/birthdate/scopes', ['name']),
        set('schemes/onelogin/claims/address/userinfoClaims', ['https://vocab.account.gov.uk/v1/passport']),
      ),
    );
    assert.match(
      msg,
      /schemes\.singpass\.claims\.birthdate\.scopes: source "person\.dob\.value" needs the scope "dob"/,
    );
    assert.match(
      msg,
      /schemes\.onelogin\.claims\.address\.userinfoClaims: source "address" needs the userinfo claim/,
    );
  });

  it('unknown scopes and userinfo claims', () => {
    const msg = problemsOf(
      edited(
        onList('schemes/singpass/scopes', (l) => l.push('cpfbalances')),
        (doc) => {
          const claims = get(doc, 'schemes/onelogin/userinfoClaims') as Node;
          claims['https://vocab.account.gov.uk/v1/socialSecurityRecord'] = { identityOnly: true };
        },
      ),
    );
    assert.match(msg, /schemes\.singpass\.scopes\[\d+\]: unknown Singpass scope "cpfbalances"/);
    assert.match(
      msg,
      /userinfoClaims\["https:\/\/vocab\.account\.gov\.uk\/v1\/socialSecurityRecord"\]: unknown One Login userinfo claim/,
    );
  });

  it('unknown transforms, transforms for the other scheme or claim, missing tables', () => {
    const msg = problemsOf(
      edited(
        set('schemes/singpass/claims/address/transform', 'myinfo-address'),
        set('schemes/singpass/claims/name/transform', 'onelogin-current-name'),
        set('schemes/onelogin/claims/email/transform', 'onelogin-address-current'),
        del('schemes/singpass/claims/gender/table'),
        set('schemes/singpass/claims/nationalities/table', 'nationalities'),
      ),
    );
    assert.match(msg, /schemes\.singpass\.claims\.address\.transform: unknown transform "myinfo-address"/);
    assert.match(
      msg,
      /schemes\.singpass\.claims\.name\.transform: transform "onelogin-current-name" does not read Singpass assertions/,
    );
    assert.match(
      msg,
      /schemes\.onelogin\.claims\.email\.transform: transform "onelogin-address-current" produces address, not email/,
    );
    assert.match(msg, /schemes\.singpass\.claims\.gender\.table: transform "code-table" needs a code table/);
    assert.match(msg, /schemes\.singpass\.claims\.nationalities\.table: unknown code table "nationalities"/);
  });

  it('classification: unknown labels and a rank that does not follow from the labels', () => {
    const msg = problemsOf(
      edited(
        set('claims/birthdate/classification/sg/sensitivity', 'SENSITIVE-HIGH'),
        set('claims/name/classification/uk/marking', 'PROTECT'),
        onList('classification/sg/sensitivities', (l) => l.push('SENSITIVE-EXTREME')),
      ),
    );
    assert.match(
      msg,
      /claims\.birthdate\.classification\.rank: declared rank 1 but the labels derive rank 2/,
    );
    assert.match(msg, /claims\.name\.classification\.uk\.marking: unknown UK marking "PROTECT"/);
    assert.match(msg, /classification\.sg\.sensitivities\[3\]: unknown label "SENSITIVE-EXTREME"/);
  });

  it('verified claims that cannot be verified', () => {
    const msg = problemsOf(
      edited(
        set('schemes/onelogin/claims/email/verified', 'always'),
        set('schemes/onelogin/claims/name/verified', 'myinfo-source'),
      ),
    );
    assert.match(
      msg,
      /schemes\.onelogin\.claims\.email\.verified: claim "email" is not verifiable: use never/,
    );
    assert.match(msg, /schemes\.onelogin\.claims\.name\.verified: myinfo-source applies only to Singpass/);
  });

  it('structure: misspelt keys, wrong schema, version and tiers, wrong country, missing schemes', () => {
    const msg = problemsOf(
      edited(
        set('schema', 2),
        set('version', 'latest'),
        set('hubLevels/0/descripton', 'typo'),
        set('schemes/singpass/country', 'GB'),
        del('schemes/onelogin'),
      ),
    );
    assert.match(msg, /schema: unsupported schema: this hub reads schema 1/);
    assert.match(msg, /version: must look like "2026-11-27\.1"/);
    assert.match(msg, /hubLevels\[0\]: Unrecognized key: "descripton"/);
    assert.match(msg, /schemes\.singpass\.country: Singpass is the Singapore scheme: country must be SG/);
    assert.match(msg, /schemes\.onelogin: /);
  });

  it('the tiers themselves cannot be changed', () => {
    const msg = problemsOf(edited(set('tiers', ['low', 'none', 'substantial', 'high'])));
    assert.match(msg, /tiers: must be exactly \[none, low, substantial, high\] in that order/);
  });

  it('small inline fixture: an almost empty file reports every missing part', () => {
    const msg = problemsOf(
      'schema: 1\nversion: "2026-11-27.1"\ntiers: [none, low, substantial, high]\n',
      'tiny.yaml',
    );
    for (const part of ['hubLevels', 'classification', 'claims', 'schemes'])
      assert.match(msg, new RegExp(`- ${part}: `));
  });
});
