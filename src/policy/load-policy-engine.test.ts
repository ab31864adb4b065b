import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { GovbridgeError } from '../kernel/index.ts';
import { loadPolicyEngine } from './index.ts';
import { readsResourceIdentity } from './load-policy-engine.ts';
import { copyOfPolicies, realEnvironments, realTrust } from './test-fixtures.ts';

/** Bad policy files stop start-up: `policy_invalid`, naming the file, the line and the reason. */
const trust = realTrust();
const environments = realEnvironments();

function problemsOf(dir: string): string {
  try {
    loadPolicyEngine({ dir, trust, environments });
  } catch (err) {
    assert.ok(err instanceof GovbridgeError, String(err));
    assert.equal(err.code, 'policy_invalid');
    assert.equal(err.expose, false);
    assert.match(
      err.message,
      new RegExp(`^Release policy in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid:`),
    );
    return err.message;
  }
  return assert.fail('expected policy_invalid');
}

const add = (dir: string, file: string, text: string) => appendFileSync(join(dir, file), `\n${text}\n`);
const FORBID = 'forbid (principal, action == Govbridge::Action::"release", resource)';

describe('loading the release policy', () => {
  it('a syntax error names the file, the line and what Cedar expected', () => {
    const dir = copyOfPolicies();
    const before = readFileSync(join(dir, 'legal-basis.cedar'), 'utf8').split('\n').length;
    add(dir, 'legal-basis.cedar', `@id("broken")\n@reason("x")\n${FORBID} when { context.purpose == ; };`);
    const msg = problemsOf(dir);
    assert.match(msg, new RegExp(`legal-basis\\.cedar:${before + 3}: unexpected token`));
  });

  it('strict validation: an attribute the schema does not have names the policy and its line', () => {
    const dir = copyOfPolicies();
    const lines = readFileSync(join(dir, 'environment-ceilings.cedar'), 'utf8').split('\n').length;
    add(
      dir,
      'environment-ceilings.cedar',
      `@id("uses-shoe-size")\n@reason("x")\n${FORBID}\nwhen { resource.shoeSize > 2 };`,
    );
    const msg = problemsOf(dir);
    assert.match(
      msg,
      new RegExp(
        `environment-ceilings\\.cedar:${lines + 4}: policy uses-shoe-size: for policy \`uses-shoe-size\`, attribute \`shoeSize\` on entity type \`Govbridge::Attribute\` not found`,
      ),
    );
  });

  it('strict validation: comparing a string with a number is a type error', () => {
    const dir = copyOfPolicies();
    add(
      dir,
      'legal-basis.cedar',
      `@id("typed-wrongly")\n@reason("x")\n${FORBID} when { context.purpose > 2 };`,
    );
    assert.match(problemsOf(dir), /policy typed-wrongly: .*(type|Long|String)/);
  });

  it('every policy has a unique, well-formed @id and a @reason with known placeholders', () => {
    const dir = copyOfPolicies();
    add(
      dir,
      'extra.cedar',
      [
        `${FORBID} when { resource.rank > 4 };`,
        `@id("Bad Id")\n@reason("x")\n${FORBID} when { resource.rank > 4 };`,
        `@id("above-rank-2")\n@reason("again")\n${FORBID} when { resource.rank > 4 };`,
        `@id("no-reason")\n${FORBID} when { resource.rank > 4 };`,
        `@id("odd-placeholder")\n@reason("Held by {landlord}.")\n${FORBID} when { resource.rank > 4 };`,
      ].join('\n'),
    );
    const msg = problemsOf(dir);
    assert.match(msg, /extra\.cedar:2: every policy needs a stable @id/);
    assert.match(msg, /extra\.cedar:3: @id\("Bad Id"\) must be lower-case and hyphenated/);
    assert.match(
      msg,
      /extra\.cedar:6: duplicate @id\("above-rank-2"\) \(also .*environment-ceilings\.cedar:\d+\)/,
    );
    assert.match(msg, /extra\.cedar:9: policy no-reason needs a @reason/);
    assert.match(
      msg,
      /extra\.cedar:11: policy odd-placeholder: @reason uses unknown placeholder \{landlord\}/,
    );
  });

  it('a broken schema file, a missing one, and a directory with no policies', () => {
    const dir = copyOfPolicies();
    writeFileSync(
      join(dir, 'schema.cedarschema'),
      'namespace Govbridge {\n  entity Recipient = { kind: String ',
    );
    assert.match(problemsOf(dir), /schema\.cedarschema:2: failed to parse schema/);

    rmSync(join(dir, 'schema.cedarschema'));
    assert.match(problemsOf(dir), /schema\.cedarschema: cannot be read/);

    const empty = copyOfPolicies();
    for (const f of ['environment-ceilings.cedar', 'legal-basis.cedar']) rmSync(join(empty, f));
    assert.match(problemsOf(empty), /no \.cedar policy files/);
  });

  it('a policy that names one attribute is honoured even though others share its labels', () => {
    const dir = copyOfPolicies();
    add(
      dir,
      'legal-basis.cedar',
      `@id("no-email-abroad")\n@reason("Not {attribute}.")\n${FORBID.replace('resource)', 'resource == Govbridge::Attribute::"email")')}\nwhen { context.crossBorder };`,
    );
    const engine = loadPolicyEngine({ dir, trust, environments });
    const [name, email] = engine.decideRelease({
      recipient: { kind: 'service', id: 'svc', country: 'GB', environment: 'uk-public-cloud' },
      attributes: ['name', 'email'],
      context: { purpose: 'p', consentGiven: true, crossBorder: true, legalBasis: 'consent' },
    });
    assert.equal(name!.decision, 'allow');
    assert.equal(email!.decision, 'deny');
    assert.deepEqual(email!.policies, ['no-email-abroad']);
    assert.equal(email!.reason, 'Not email.');
  });

  it('readsResourceIdentity: attribute reads are shareable, identity and bare resource are not', () => {
    const json = (text: string) => {
      const r = cedar.policyToJson(text);
      assert.equal(r.type, 'success');
      return (r as { json: Parameters<typeof readsResourceIdentity>[0] }).json;
    };
    assert.equal(readsResourceIdentity(json(`${FORBID} when { resource.rank > 2 };`)), false);
    assert.equal(
      readsResourceIdentity(
        json(`${FORBID} when { resource has rank && resource is Govbridge::Attribute };`),
      ),
      false,
    );
    assert.equal(
      readsResourceIdentity(
        json(`${FORBID.replace('resource)', 'resource == Govbridge::Attribute::"x")')};`),
      ),
      true,
    );
    assert.equal(
      readsResourceIdentity(json(`${FORBID} when { resource == Govbridge::Attribute::"x" };`)),
      true,
    );
    assert.equal(readsResourceIdentity(json(`${FORBID} when { [resource].contains(resource) };`)), true);
  });

  it('a schema that no longer fits the policies is caught by validation', () => {
    const dir = copyOfPolicies();
    const schema = readFileSync(join(dir, 'schema.cedarschema'), 'utf8').replace(
      'environmentSegregated: Bool,',
      '',
    );
    writeFileSync(join(dir, 'schema.cedarschema'), schema);
    assert.match(problemsOf(dir), /policy sensitive-high-needs-segregation: .*environmentSegregated/);
  });
});
