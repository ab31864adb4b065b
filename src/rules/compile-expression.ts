import type { ASTNode, Environment, ParseResult } from '@marcbachmann/cel-js';
import { GovbridgeError } from '../kernel/index.ts';
import { checkEnvironment, parameterFunctionName, runtimeEnvironment } from './create-environment.ts';
import type { FactType, ParameterKind, ResultType } from './types.ts';

/**
 * Compile once, evaluate many. Compiling an expression:
 * 1. caps its length (MAX_EXPRESSION_LENGTH) and parses it under tight structural limits;
 * 2. walks the AST: facts are read only as `facts.<id>` of a fact the service declares, `param` takes
 *    one string literal naming a known parameter, `event` is read only as `event.date`; `has()` is
 *    refused (a rule must not branch on whether a fact is known — unknown facts are reported, never
 *    guessed) and so is `matches()` (JavaScript regular expressions can backtrack without bound);
 * 3. type-checks it with cel-js against the declared fact and parameter types and the result type.
 * Every problem found is reported at once, in one `rule_invalid` error (`detail.problems`).
 */

export const MAX_EXPRESSION_LENGTH = 2000;

export interface RuleVocabulary {
  readonly facts: ReadonlyMap<string, FactType>;
  readonly parameters: ReadonlyMap<string, ParameterKind>;
}

export interface CompileOptions {
  /** The facts this expression may read (a service's `facts`). */
  readonly allowedFacts: ReadonlySet<string>;
  readonly resultType: ResultType;
}

export interface CompiledExpression {
  readonly source: string;
  readonly resultType: ResultType;
  /** Facts the expression may read, in order of first appearance. */
  readonly facts: readonly string[];
  /** Parameters the expression may read, in order of first appearance. */
  readonly parameters: readonly string[];
  /** Whether it reads `event.date` itself (not only through parameters in force on that date). */
  readonly readsEventDate: boolean;
  /**
   * When it reads `event.date` only to compare it with string literals (`event.date >= "2019-01-01"`):
   * those literals, sorted and once each — its outcome then depends on where the date falls among
   * them, not on the date itself. Absent when it does not read `event.date` or reads it otherwise.
   */
  readonly eventDateComparedWith?: readonly string[];
  readonly parameterKinds: ReadonlyMap<string, ParameterKind>;
  readonly run: ParseResult;
}

export interface Compiler {
  compile(source: string, options: CompileOptions): CompiledExpression;
}

const ACCEPTED_TYPES: Readonly<Record<ResultType, readonly string[]>> = {
  bool: ['bool'],
  date: ['string'],
  number: ['int', 'double'],
};

export function createCompiler(vocabulary: RuleVocabulary): Compiler {
  const parameterList = [...vocabulary.parameters];
  const parameterIndex = new Map(parameterList.map(([id], i) => [id, i]));
  const checker = checkEnvironment(vocabulary.facts, parameterList);
  const runtime = runtimeEnvironment(parameterList);
  return {
    compile: (source, options) => compile(source, options, vocabulary, parameterIndex, checker, runtime),
  };
}

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function compile(
  source: string,
  options: CompileOptions,
  vocabulary: RuleVocabulary,
  parameterIndex: ReadonlyMap<string, number>,
  checker: Environment,
  runtime: Environment,
): CompiledExpression {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    invalid([`is ${source.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`]);
  }
  let parsed: ParseResult;
  try {
    parsed = runtime.parse(source);
  } catch (cause) {
    invalid([celMessage(cause)]);
  }
  const problems: string[] = [];
  const facts: string[] = [];
  const parameters: string[] = [];
  const replacements: Replacement[] = [];
  let readsEventDate = false;

  const walk = (node: ASTNode): void => {
    switch (node.op) {
      case '.': {
        const [target, field] = node.args;
        if (target.op === 'id' && target.args === 'facts') {
          if (!vocabulary.facts.has(field))
            problems.push(`column ${node.start + 1}: unknown fact "${field}"`);
          else if (!options.allowedFacts.has(field)) {
            problems.push(`column ${node.start + 1}: fact "${field}" is not listed in this service's facts`);
          } else if (!facts.includes(field)) facts.push(field);
          return;
        }
        if (target.op === 'id' && target.args === 'event') {
          if (field !== 'date')
            problems.push(`column ${node.start + 1}: event has only "date" (got "${field}")`);
          else readsEventDate = true;
          return;
        }
        break;
      }
      case 'id':
        if (node.args === 'facts' || node.args === 'event') {
          problems.push(`column ${node.start + 1}: read ${node.args} only as ${node.args}.<name>`);
        }
        return;
      case 'call': {
        const [name, args] = node.args;
        if (name === 'has') {
          problems.push(
            `column ${node.start + 1}: has() is not allowed: unknown facts are reported, not tested`,
          );
          return;
        }
        if (name === 'param') {
          const arg = args[0];
          if (args.length !== 1 || arg?.op !== 'value' || typeof arg.args !== 'string') {
            problems.push(`column ${node.start + 1}: param() takes one string literal, the parameter's id`);
          } else if (!parameterIndex.has(arg.args)) {
            problems.push(`column ${node.start + 1}: unknown parameter "${arg.args}"`);
          } else {
            if (!parameters.includes(arg.args)) parameters.push(arg.args);
            const text = `${parameterFunctionName(parameterIndex.get(arg.args)!)}()`;
            replacements.push({ start: node.start, end: node.end, text });
          }
          return;
        }
        break;
      }
      case 'rcall':
        if (node.args[0] === 'matches') {
          problems.push(`column ${node.start + 1}: matches() is not allowed (unbounded regular expressions)`);
          return;
        }
        break;
      default:
        break;
    }
    visitChildren(node.args, walk);
  };
  walk(parsed.ast);
  if (problems.length > 0) invalid(problems);

  // Replace each param('id') by its typed stand-in (from the end, so earlier ranges stay valid); the
  // rewritten text is what is type-checked and run. Traces and messages show the original.
  let rewritten = source;
  for (const r of replacements.sort((a, b) => b.start - a.start)) {
    rewritten = rewritten.slice(0, r.start) + r.text + rewritten.slice(r.end);
  }
  const result = checker.check(rewritten);
  if (!result.valid) {
    invalid([celMessage(result.error, (pos) => originalPosition(pos, replacements))]);
  }
  const accepted = ACCEPTED_TYPES[options.resultType];
  if (result.type !== 'dyn' && !accepted.includes(result.type ?? '')) {
    invalid([`must produce ${describe(options.resultType)} but produces ${result.type}`]);
  }
  const parameterKinds = new Map(parameters.map((id) => [id, vocabulary.parameters.get(id)!]));
  const run = rewritten === source ? parsed : runtime.parse(rewritten);
  const comparedWith = readsEventDate ? dateLiterals(parsed.ast) : undefined;
  return {
    source,
    resultType: options.resultType,
    facts,
    parameters,
    readsEventDate,
    ...(comparedWith ? { eventDateComparedWith: comparedWith } : {}),
    parameterKinds,
    run,
  };
}

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);

const isEventDate = (node: ASTNode): boolean =>
  node.op === '.' &&
  (node.args as [ASTNode, string])[0].op === 'id' &&
  (node.args as [ASTNode, string])[0].args === 'event' &&
  (node.args as [ASTNode, string])[1] === 'date';

const isStringLiteral = (node: ASTNode): node is ASTNode & { args: string } =>
  node.op === 'value' && typeof node.args === 'string';

/**
 * The string literals `event.date` is compared with, sorted, when every read of `event.date` is such
 * a comparison (either side); undefined when it is read any other way (`add_days(event.date, …)`).
 */
function dateLiterals(ast: ASTNode): readonly string[] | undefined {
  const literals = new Set<string>();
  let other = false;
  const visit = (node: ASTNode): void => {
    if (other) return;
    if (COMPARISONS.has(node.op)) {
      const [left, right] = node.args as [ASTNode, ASTNode];
      if (isEventDate(left) && isStringLiteral(right)) {
        literals.add(right.args);
        return;
      }
      if (isEventDate(right) && isStringLiteral(left)) {
        literals.add(left.args);
        return;
      }
    }
    if (isEventDate(node)) {
      other = true;
      return;
    }
    visitChildren(node.args, visit);
  };
  visit(ast);
  return other ? undefined : [...literals].sort();
}

function visitChildren(value: unknown, walk: (node: ASTNode) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) visitChildren(v, walk);
  } else if (value !== null && typeof value === 'object' && 'op' in value) {
    walk(value as ASTNode);
  }
}

export function describe(type: ResultType): string {
  return type === 'bool' ? 'true or false' : type === 'date' ? "a date string 'YYYY-MM-DD'" : 'a number';
}

/** A position in the rewritten text as a position in the author's text (inside a stand-in: its call). */
function originalPosition(pos: number, replacements: readonly Replacement[]): number {
  let shift = 0;
  for (const r of [...replacements].sort((a, b) => a.start - b.start)) {
    const start = r.start + shift;
    if (pos < start) break;
    if (pos < start + r.text.length) return r.start;
    shift += r.text.length - (r.end - r.start);
  }
  return pos - shift;
}

function celMessage(error: unknown, position: (pos: number) => number = (pos) => pos): string {
  if (error instanceof Error) {
    const e = error as Error & { summary?: string; range?: { start: number } };
    const at = e.range ? `column ${position(e.range.start) + 1}: ` : '';
    return `${at}${e.summary ?? e.message.split('\n')[0]}`;
  }
  return String(error);
}

function invalid(problems: readonly string[]): never {
  throw new GovbridgeError('rule_invalid', `Invalid expression: ${problems.join('; ')}`, {
    expose: false,
    detail: { problems },
  });
}
