import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { GovbridgeError } from '../kernel/index.ts';
import { environmentOf, loadEnvironments, parseEnvironments } from './index.ts';

const FILE = fileURLToPath(new URL('../../trust/environments.yaml', import.meta.url));
const realText = readFileSync(FILE, 'utf8');

function problemsOf(text: string): string {
  try {
    parseEnvironments(text, 'broken-environments.yaml');
  } catch (err) {
    assert.ok(err instanceof GovbridgeError);
    assert.equal(err.code, 'environments_invalid');
    assert.equal(err.expose, false);
    assert.match(err.message, /^Hosting environments file broken-environments\.yaml is invalid:/);
    return err.message;
  }
  return assert.fail('expected environments_invalid');
}

function edited(
  change: (doc: { environments: Record<string, unknown>[] } & Record<string, unknown>) => void,
) {
  const doc = parse(realText);
  change(doc);
  return stringify(doc);
}

describe('hosting environments registry', () => {
  const registry = loadEnvironments(FILE);

  it('lists the environments other modules rely on, by their stable ids', () => {
    for (const id of [
      'uk-public-cloud',
      'uk-accredited',
      'sg-gcc',
      'sg-gcc-plus',
      'sg-on-premises',
      'overseas-commercial',
    ])
      assert.ok(registry.byId[id], id);
    assert.match(registry.version, /^\d{4}-\d{2}-\d{2}\.\d+$/);
    assert.ok(Object.isFrozen(registry.byId['sg-gcc']));
  });

  it('derives each ceiling onto its ladder and the common max rank (the lower of the two)', () => {
    const ukCloud = registry.byId['uk-public-cloud']!;
    assert.equal(ukCloud.jurisdiction, 'GB');
    assert.deepEqual(ukCloud.uk, { maxMarking: 'OFFICIAL-SENSITIVE', level: 2, rank: 2 });
    assert.equal(ukCloud.maxRank, 2);
    const gcc = registry.byId['sg-gcc']!;
    assert.deepEqual(gcc.sg, { maxClassification: 'CONFIDENTIAL (CLOUD-ELIGIBLE)', level: 3, rank: 2 });
    assert.equal(gcc.segregated, false);
    assert.equal(registry.byId['sg-gcc-plus']!.segregated, true);
    const overseas = registry.byId['overseas-commercial']!;
    assert.equal(overseas.jurisdiction, 'OTHER');
    assert.deepEqual(overseas.uk, { maxMarking: 'none', level: 0, rank: 0 });
    assert.equal(overseas.maxRank, 0, 'only public data');
    assert.equal(registry.byId['uk-accredited']!.maxRank, 4);
    for (const e of registry.environments) assert.ok(e.sources.length > 0, `${e.id} cites a source`);
  });

  it('environmentOf: an unknown or missing environment is environment_unknown, naming the known ids', () => {
    assert.equal(environmentOf(registry, 'sg-gcc').id, 'sg-gcc');
    for (const id of ['mars-base', '', null, undefined, 'constructor']) {
      assert.throws(
        () => environmentOf(registry, id),
        (err: unknown) =>
          err instanceof GovbridgeError &&
          err.code === 'environment_unknown' &&
          /uk-public-cloud, uk-accredited, sg-gcc/.test(err.message),
      );
    }
  });

  it('rejects unknown labels, jurisdictions, misspelt keys and missing sources, naming each path', () => {
    const msg = problemsOf(
      edited((doc) => {
        doc.environments[0]!['uk'] = { maxMarking: 'PROTECT' };
        doc.environments[1]!['sg'] = { maxClassification: 'CONFIDENTIAL (CLOUD ELIGIBLE)' };
        doc.environments[2]!['jurisdiction'] = 'FR';
        doc.environments[3]!['segregatd'] = true;
        doc.environments[4]!['sources'] = [];
        doc.environments[5]!['id'] = 'Overseas Commercial';
      }),
    );
    assert.match(msg, /environments\[0\]\.uk\.maxMarking: unknown UK marking "PROTECT"/);
    assert.match(msg, /environments\[1\]\.sg\.maxClassification: unknown Singapore classification/);
    assert.match(msg, /environments\[2\]\.jurisdiction: must be GB, SG or OTHER/);
    assert.match(msg, /environments\[3\]: Unrecognized key: "segregatd"/);
    assert.match(msg, /environments\[4\]\.sources: cite at least one source/);
    assert.match(msg, /environments\[5\]\.id: must be a lower-case hyphenated id/);
  });

  it('rejects a duplicate id, a YAML duplicate key and a wrong schema', () => {
    const dup = problemsOf(
      edited((doc) => {
        doc.environments[1]!['id'] = 'uk-public-cloud';
      }),
    );
    assert.match(dup, /environments\[1\]\.id: duplicate id "uk-public-cloud" \(also environments\[0\]\)/);
    assert.match(problemsOf('schema: 1\nschema: 2\n'), /line 2, column 1: Map keys must be unique/);
    assert.match(
      problemsOf(edited((doc) => Object.assign(doc, { schema: 2 }))),
      /schema: unsupported schema: this hub reads schema 1/,
    );
  });

  it('a missing file is environments_invalid naming it', () => {
    assert.throws(
      () => loadEnvironments('/nonexistent/environments.yaml'),
      (err: unknown) =>
        err instanceof GovbridgeError &&
        err.code === 'environments_invalid' &&
        /\/nonexistent\/environments\.yaml cannot be read/.test(err.message),
    );
  });
});
