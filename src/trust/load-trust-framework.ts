import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { GovbridgeError } from '../kernel/index.ts';
import { type TrustFramework, trustFrameworkSchema } from './schema.ts';
import { type Path, type Problem, validateTrustFramework } from './validate-trust-framework.ts';

/**
 * Read and validate the trust-framework file. The only I/O in `src/trust/`, done once at start.
 * Throws `trust_framework_invalid` naming the file, every path inside it that is wrong, and why.
 */
export function loadTrustFramework(path: string): TrustFramework {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new GovbridgeError('trust_framework_invalid', `Trust framework ${path} cannot be read`, {
      expose: false,
      cause,
      detail: { file: path },
    });
  }
  return parseTrustFramework(text, path);
}

/** Validate trust-framework YAML; `sourceName` names it in messages (a file path, or a test's name). */
export function parseTrustFramework(text: string, sourceName: string): TrustFramework {
  // YAML 1.2 core schema; duplicate keys are errors (`uniqueKeys`), so an id cannot be declared twice.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
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
  const parsed = trustFrameworkSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    fail(
      sourceName,
      parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        reason: i.message,
      })),
    );
  }
  const { problems, warnings } = validateTrustFramework(parsed.data);
  if (problems.length > 0) fail(sourceName, problems);
  return deepFreeze({ ...parsed.data, sourceName, warnings }) as TrustFramework;
}

function fail(sourceName: string, problems: readonly Problem[]): never {
  const lines = problems.map((p) => (p.path.length > 0 ? `${formatPath(p.path)}: ${p.reason}` : p.reason));
  throw new GovbridgeError(
    'trust_framework_invalid',
    `Trust framework ${sourceName} is invalid:\n  - ${lines.join('\n  - ')}`,
    { expose: false, detail: { file: sourceName, problems: lines } },
  );
}

/** `schemes.onelogin.assurance.vtr["Cl.Cm.P2"].identity`: identifiers dotted, anything else quoted. */
export function formatPath(path: Path): string {
  return path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(seg)) return i === 0 ? seg : `.${seg}`;
      return `[${JSON.stringify(seg)}]`;
    })
    .join('');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
