import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { GovbridgeError } from '../kernel/index.ts';
import {
  agenciesFileSchema,
  CATALOGUE_FILE,
  casesFileSchema,
  catalogueFileSchema,
  eventSchema,
  factsFileSchema,
  parametersFileSchema,
  serviceSchema,
} from './schema.ts';
import type { Catalogue, Path, Problem } from './types.ts';
import { type ParsedFiles, type ValidateOptions, validateCatalogue } from './validate-catalogue.ts';

/**
 * Read, validate and compile the catalogue directory, once, at start (README.md, "Catalogue
 * format"). Every file is read even after a problem, so the one `catalogue_invalid` error names
 * every file, every path inside it that is wrong, and why. The only I/O in `src/life-events/`.
 */
export function loadCatalogue(dir: string, options: ValidateOptions = {}): Catalogue {
  const problems: Problem[] = [];
  const read = <S extends z.ZodType>(file: string, schema: S): z.infer<S> | undefined => {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch (cause) {
      problems.push({
        file,
        path: [],
        reason: `cannot be read (${(cause as NodeJS.ErrnoException).code ?? cause})`,
      });
      return undefined;
    }
    return parseFile(text, file, schema, problems);
  };
  const list = (sub: string): string[] => {
    try {
      if (!statSync(join(dir, sub)).isDirectory()) throw new Error('not a directory');
    } catch {
      return [];
    }
    return readdirSync(join(dir, sub))
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => `${sub}/${name}`);
  };
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
  } catch (cause) {
    throw new GovbridgeError('catalogue_invalid', `Catalogue ${dir} is not a readable directory`, {
      expose: false,
      cause,
      detail: { dir },
    });
  }

  // The catalogue's version first: without it nothing the catalogue says can be traced to a version.
  let version: { file: string; data: z.infer<typeof catalogueFileSchema> } | undefined;
  if (existsSync(join(dir, CATALOGUE_FILE))) {
    const data = read(CATALOGUE_FILE, catalogueFileSchema);
    if (data) version = { file: CATALOGUE_FILE, data };
  } else {
    problems.push({
      file: CATALOGUE_FILE,
      path: [],
      reason: 'is missing: every catalogue has one, with its version (version: "2026-11-27.1")',
    });
  }
  const agencies = read('agencies.yaml', agenciesFileSchema);
  const facts = read('facts.yaml', factsFileSchema);
  let parametersComplete = true;
  const parameters = list('parameters').flatMap((file) => {
    const data = read(file, parametersFileSchema);
    if (!data) parametersComplete = false;
    return data ? [{ file, data }] : [];
  });
  const brokenIds = new Set<string>();
  const each = <S extends z.ZodType>(sub: string, schema: S) =>
    list(sub).flatMap((file) => {
      const data = read(file, schema);
      if (data === undefined) {
        const id = rawId(dir, file);
        if (id) brokenIds.add(id);
        return [];
      }
      return [{ file, data }];
    });
  const files: ParsedFiles = {
    ...(version ? { catalogue: version } : {}),
    ...(agencies ? { agencies: { file: 'agencies.yaml', data: agencies } } : {}),
    ...(facts ? { facts: { file: 'facts.yaml', data: facts } } : {}),
    parameters,
    parametersComplete,
    brokenIds,
    events: each('events', eventSchema),
    services: each('services', serviceSchema),
    cases: each('cases', casesFileSchema),
  };
  const catalogue = validateCatalogue(dir, files, options, problems);
  if (problems.length > 0) fail(dir, problems);
  return Object.freeze(catalogue);
}

/** The `id` of a file that failed its schema, if it has one, so that references to it do not cascade. */
function rawId(dir: string, file: string): string | undefined {
  try {
    const value: unknown = parseDocument(readFileSync(join(dir, file), 'utf8')).toJS();
    const id =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)['id'] : undefined;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Parse one YAML file against its schema; problems are added, undefined returned when it fails. */
export function parseFile<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  problems: Problem[],
): z.infer<S> | undefined {
  // YAML 1.2 core schema: dates stay strings; duplicate keys are errors, so an id cannot be declared twice.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const at = e.linePos?.[0];
      const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      problems.push({
        file,
        path: [],
        reason: `${at ? `line ${at.line}, column ${at.col}: ` : ''}${message}`,
      });
    }
    return undefined;
  }
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({
        file,
        path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        reason: issue.message,
      });
    }
    return undefined;
  }
  return parsed.data;
}

function fail(dir: string, problems: readonly Problem[]): never {
  const lines = problems.map(
    (p) => `${p.file}${p.path.length > 0 ? `: ${formatPath(p.path)}` : ''}: ${p.reason}`,
  );
  throw new GovbridgeError('catalogue_invalid', `Catalogue ${dir} is invalid:\n  - ${lines.join('\n  - ')}`, {
    expose: false,
    detail: { dir, problems },
  });
}

/** `["uk.child_benefit.rate"].values[2].from`: identifiers dotted, anything else quoted. */
export function formatPath(path: Path): string {
  return path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(seg)) return i === 0 ? seg : `.${seg}`;
      return `[${JSON.stringify(seg)}]`;
    })
    .join('');
}
