import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { GovbridgeError } from '../kernel/index.ts';
import type { EnvironmentRegistry, TrustFramework } from '../trust/index.ts';
import { PolicyEngine } from './policy-engine.ts';
import { unknownPlaceholders } from './reasons.ts';
import type { PolicyInfo } from './types.ts';

/**
 * Load the release policy: `<dir>/schema.cedarschema` and every `<dir>/*.cedar`, validated by Cedar's
 * strict validator, then pre-parsed for fast decisions. Each policy must carry a unique `@id("…")`
 * (a stable id, reported in decisions and to services) and a `@reason("…")` for the citizen whose
 * {placeholders} the hub knows. Any problem throws `policy_invalid` naming the file, the line and
 * the reason — start-up stops there.
 */
export const SCHEMA_FILE = 'schema.cedarschema';

export interface LoadPolicyEngineOptions {
  dir: string;
  trust: TrustFramework;
  environments: EnvironmentRegistry;
  /** Remember decisions (default true). Off only to measure Cedar itself (bench/policy.ts). */
  memoize?: boolean;
}

interface Problem {
  file: string;
  line?: number;
  reason: string;
}

export function loadPolicyEngine(o: LoadPolicyEngineOptions): PolicyEngine {
  const problems: Problem[] = [];
  const schemaPath = join(o.dir, SCHEMA_FILE);
  const schemaText = readOrFail(schemaPath, o.dir);
  const schemaCheck = cedar.checkParseSchema(schemaText);
  if (schemaCheck.type === 'failure') {
    for (const e of schemaCheck.errors)
      problems.push({
        file: schemaPath,
        ...lineOf(schemaText, e.sourceLocations?.[0]?.start),
        reason: e.message,
      });
    fail(o.dir, problems);
  }

  let files: string[];
  try {
    files = readdirSync(o.dir)
      .filter((f) => f.endsWith('.cedar'))
      .sort();
  } catch (cause) {
    throw new GovbridgeError('policy_invalid', `Policy directory ${o.dir} cannot be read`, {
      expose: false,
      cause,
    });
  }
  if (files.length === 0) fail(o.dir, [{ file: o.dir, reason: 'no .cedar policy files' }]);

  const policies: PolicyInfo[] = [];
  const byId = new Map<string, PolicyInfo>();
  // Whether every policy reads the resource only through its attributes (see readsResourceIdentity).
  let byClassification = true;
  for (const name of files) {
    const file = join(o.dir, name);
    const text = readOrFail(file, o.dir);
    const parts = cedar.policySetTextToParts(text);
    if (parts.type === 'failure') {
      for (const e of parts.errors)
        problems.push({ file, ...lineOf(text, e.sourceLocations?.[0]?.start), reason: e.message });
      continue;
    }
    if (parts.policy_templates.length > 0)
      problems.push({ file, reason: 'policy templates are not used by the hub: write static policies' });
    let from = 0;
    for (const part of parts.policies) {
      // Parts are the file's own text, in order: find each one to report its line.
      const at = text.indexOf(part, from);
      from = at >= 0 ? at + part.length : from;
      const line = at >= 0 ? lineOf(text, at).line! : 1;
      const json = cedar.policyToJson(part);
      if (json.type === 'failure') {
        problems.push({ file, line, reason: json.errors.map((e) => e.message).join('; ') });
        continue;
      }
      const id = json.json.annotations?.['id'];
      const reason = json.json.annotations?.['reason'];
      if (!id || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id)) {
        problems.push({
          file,
          line,
          reason: id
            ? `@id("${id}") must be lower-case and hyphenated, such as above-rank-2`
            : 'every policy needs a stable @id("…"): decisions and services name it',
        });
        continue;
      }
      const seen = byId.get(id);
      if (seen) {
        problems.push({ file, line, reason: `duplicate @id("${id}") (also ${seen.file}:${seen.line})` });
        continue;
      }
      if (!reason || reason.trim() === '') {
        problems.push({ file, line, reason: `policy ${id} needs a @reason("…") telling the citizen why` });
        continue;
      }
      const unknown = unknownPlaceholders(reason);
      if (unknown.length > 0) {
        problems.push({
          file,
          line,
          reason: `policy ${id}: @reason uses unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `{${p}}`).join(', ')}`,
        });
        continue;
      }
      if (readsResourceIdentity(json.json)) byClassification = false;
      const info: PolicyInfo = Object.freeze({
        id,
        effect: json.json.effect,
        file,
        line,
        reason,
        text: part,
      });
      policies.push(info);
      byId.set(id, info);
    }
  }
  if (problems.length > 0) fail(o.dir, problems);

  const staticPolicies = Object.fromEntries(policies.map((p) => [p.id, p.text]));
  const validation = cedar.validate({
    schema: schemaText,
    policies: { staticPolicies },
    validationSettings: { mode: 'strict' },
  });
  if (validation.type === 'failure') {
    for (const e of validation.errors) problems.push({ file: schemaPath, reason: e.message });
  } else {
    for (const v of [...validation.validationErrors, ...validation.validationWarnings]) {
      const p = byId.get(v.policyId);
      const offset = v.error.sourceLocations?.[0]?.start;
      const line =
        p && offset !== undefined ? p.line + (p.text.slice(0, offset).match(/\n/g)?.length ?? 0) : p?.line;
      problems.push({
        file: p?.file ?? o.dir,
        ...(line === undefined ? {} : { line }),
        reason: `policy ${v.policyId}: ${v.error.message}${v.error.help ? ` (${v.error.help})` : ''}`,
      });
    }
  }
  if (problems.length > 0) fail(o.dir, problems);

  return new PolicyEngine({
    policies,
    staticPolicies,
    schemaText,
    trust: o.trust,
    environments: o.environments,
    memoize: o.memoize ?? true,
    byClassification,
  });
}

/**
 * Whether a policy can tell two attributes with the same labels apart: it constrains the resource
 * by identity (`resource == …`, `resource in …`) or uses `resource` other than to read one of its
 * attributes (`resource.rank`, `resource has x`, `resource is Govbridge::Attribute`). When no policy
 * does, attributes with the same classification always get the same Cedar decision, so the engine
 * asks Cedar once per classification instead of once per attribute.
 */
export function readsResourceIdentity(policy: PolicyJson): boolean {
  if (policy.resource.op === '==' || policy.resource.op === 'in') return true;
  if (policy.resource.op === 'is' && policy.resource.in !== undefined) return true;
  const walk = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object') return false;
    if (Array.isArray(node)) return node.some(walk);
    const n = node as Record<string, unknown>;
    if (n['Var'] === 'resource') return true;
    for (const op of ['.', 'has'] as const) {
      const inner = n[op] as { left?: { Var?: string } } | undefined;
      if (inner && inner.left?.Var === 'resource') return false;
    }
    const is = n['is'] as { left?: { Var?: string }; in?: unknown } | undefined;
    if (is && is.left?.Var === 'resource' && is.in === undefined) return false;
    return Object.values(n).some(walk);
  };
  return policy.conditions.some((c) => walk(c.body));
}

function readOrFail(path: string, dir: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new GovbridgeError(
      'policy_invalid',
      `Release policy in ${dir} is invalid:\n  - ${path}: cannot be read`,
      {
        expose: false,
        cause,
        detail: { file: path },
      },
    );
  }
}

function lineOf(text: string, offset: number | undefined): { line?: number } {
  if (offset === undefined) return {};
  return { line: (text.slice(0, offset).match(/\n/g)?.length ?? 0) + 1 };
}

function fail(dir: string, problems: readonly Problem[]): never {
  const lines = problems.map((p) => `${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.reason}`);
  throw new GovbridgeError(
    'policy_invalid',
    `Release policy in ${dir} is invalid:\n  - ${lines.join('\n  - ')}`,
    {
      expose: false,
      detail: { dir, problems: lines },
    },
  );
}
