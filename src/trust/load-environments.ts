import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { GovbridgeError } from '../kernel/index.ts';
import {
  SG_CLASSIFICATION_LEVEL,
  SG_CLASSIFICATION_RANK,
  UK_MARKING_LEVEL,
  UK_MARKING_RANK,
} from './classification-rank.ts';
import { formatPath } from './load-trust-framework.ts';
import type { Path, Problem } from './validate-trust-framework.ts';

/**
 * The hosting-environment registry, `trust/environments.yaml`: where a relying party or an agency
 * keeps what the hub releases to it, and the highest classification it may hold under each regime.
 * Read once at start; a broken file throws `environments_invalid` naming the file, every path inside
 * it that is wrong, and why. See docs/policy.md.
 */

const UK_MAX = Object.keys(UK_MARKING_LEVEL);
const SG_MAX = Object.keys(SG_CLASSIFICATION_LEVEL);

const text = z.string().trim().min(1, 'must not be empty');

const environmentSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a lower-case hyphenated id such as uk-public-cloud')
    .max(64),
  name: text,
  operator: text,
  description: text,
  jurisdiction: z.enum(['GB', 'SG', 'OTHER'], {
    error: (i) => `must be GB, SG or OTHER (outside both countries), got ${JSON.stringify(i.input)}`,
  }),
  uk: z.strictObject({
    maxMarking: z.enum(UK_MAX as [string, ...string[]], {
      error: (i) => `unknown UK marking ${JSON.stringify(i.input)} (expected one of ${UK_MAX.join(', ')})`,
    }),
  }),
  sg: z.strictObject({
    maxClassification: z.enum(SG_MAX as [string, ...string[]], {
      error: (i) =>
        `unknown Singapore classification ${JSON.stringify(i.input)} (expected one of ${SG_MAX.join(', ')})`,
    }),
  }),
  segregated: z.boolean(),
  notes: text.optional(),
  sources: z.array(z.url({ message: 'must be a URL' })).min(1, 'cite at least one source'),
});

const fileSchema = z.strictObject({
  schema: z.literal(1, { error: 'unsupported schema: this hub reads schema 1' }),
  version: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}\.\d+$/, 'must look like "2026-11-27.1" (date of review, then a counter)'),
  environments: z.array(environmentSchema).min(1, 'must declare at least one environment'),
});

export type Jurisdiction = 'GB' | 'SG' | 'OTHER';

/** One hosting environment, with its ceilings derived onto each regime's ladder and the common rank. */
export interface HostingEnvironment {
  readonly id: string;
  readonly name: string;
  readonly operator: string;
  readonly description: string;
  readonly jurisdiction: Jurisdiction;
  readonly uk: { readonly maxMarking: string; readonly level: number; readonly rank: number };
  readonly sg: { readonly maxClassification: string; readonly level: number; readonly rank: number };
  readonly segregated: boolean;
  /** The highest common rank it may hold under both regimes: the lower of the two ceilings' ranks. */
  readonly maxRank: number;
  readonly notes: string | undefined;
  readonly sources: readonly string[];
}

export interface EnvironmentRegistry {
  readonly version: string;
  readonly sourceName: string;
  readonly environments: readonly HostingEnvironment[];
  readonly byId: Readonly<Record<string, HostingEnvironment>>;
}

export function loadEnvironments(path: string): EnvironmentRegistry {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new GovbridgeError('environments_invalid', `Hosting environments file ${path} cannot be read`, {
      expose: false,
      cause,
      detail: { file: path },
    });
  }
  return parseEnvironments(content, path);
}

export function parseEnvironments(content: string, sourceName: string): EnvironmentRegistry {
  const doc = parseDocument(content, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    fail(
      sourceName,
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        return {
          path: [],
          reason: `${at ? `line ${at.line}, column ${at.col}: ` : ''}${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
        };
      }),
    );
  }
  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    fail(
      sourceName,
      parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        reason: i.message,
      })),
    );
  }
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  parsed.data.environments.forEach((e, i) => {
    const first = seen.get(e.id);
    if (first !== undefined)
      problems.push({
        path: ['environments', i, 'id'],
        reason: `duplicate id "${e.id}" (also environments[${first}])`,
      });
    else seen.set(e.id, i);
  });
  if (problems.length > 0) fail(sourceName, problems);

  const environments = parsed.data.environments.map((e): HostingEnvironment => {
    const ukRank = e.uk.maxMarking === 'none' ? 0 : UK_MARKING_RANK[e.uk.maxMarking]!;
    const sgRank = SG_CLASSIFICATION_RANK[e.sg.maxClassification]!;
    return Object.freeze({
      id: e.id,
      name: e.name,
      operator: e.operator,
      description: e.description,
      jurisdiction: e.jurisdiction,
      uk: Object.freeze({
        maxMarking: e.uk.maxMarking,
        level: UK_MARKING_LEVEL[e.uk.maxMarking]!,
        rank: ukRank,
      }),
      sg: Object.freeze({
        maxClassification: e.sg.maxClassification,
        level: SG_CLASSIFICATION_LEVEL[e.sg.maxClassification]!,
        rank: sgRank,
      }),
      segregated: e.segregated,
      maxRank: Math.min(ukRank, sgRank),
      notes: e.notes,
      sources: Object.freeze([...e.sources]),
    });
  });
  return Object.freeze({
    version: parsed.data.version,
    sourceName,
    environments: Object.freeze(environments),
    byId: Object.freeze(Object.fromEntries(environments.map((e) => [e.id, e]))),
  });
}

/** The environment an id names; `environment_unknown` naming the known ids otherwise. */
export function environmentOf(
  registry: EnvironmentRegistry,
  id: string | null | undefined,
): HostingEnvironment {
  if (id === null || id === undefined || id === '') {
    throw new GovbridgeError(
      'environment_unknown',
      `No hosting environment named: every recipient must name one of ${registry.environments.map((e) => e.id).join(', ')}`,
      { expose: false },
    );
  }
  const env = Object.hasOwn(registry.byId, id) ? registry.byId[id] : undefined;
  if (!env) {
    throw new GovbridgeError(
      'environment_unknown',
      `Unknown hosting environment "${id}": ${registry.sourceName} lists ${registry.environments.map((e) => e.id).join(', ')}`,
      { expose: false, detail: { environment: id } },
    );
  }
  return env;
}

function fail(sourceName: string, problems: readonly Problem[]): never {
  const lines = problems.map((p) =>
    p.path.length > 0 ? `${formatPath(p.path as Path)}: ${p.reason}` : p.reason,
  );
  throw new GovbridgeError(
    'environments_invalid',
    `Hosting environments file ${sourceName} is invalid:\n  - ${lines.join('\n  - ')}`,
    { expose: false, detail: { file: sourceName, problems: lines } },
  );
}
