/**
 * The rules engine: CEL expressions over a citizen's facts, with parameters resolved for the event's
 * date, unknown facts reported rather than guessed, and a trace of every evaluation. Pure; imports
 * only `kernel` (and `@marcbachmann/cel-js`). See README.md.
 */
export {
  type CompiledExpression,
  type CompileOptions,
  type Compiler,
  createCompiler,
  MAX_EXPRESSION_LENGTH,
  type RuleVocabulary,
} from './compile-expression.ts';
export { CEL_FACT_TYPE } from './create-environment.ts';
export { addDays, addMonths, ageOn, daysBetween, isIsoDate } from './date-functions.ts';
export { type EvaluationContext, evaluateExpression } from './evaluate-expression.ts';
export { type CelFacts, prepareFacts } from './prepare-facts.ts';
export {
  type Evaluation,
  FACT_TYPES,
  type FactRead,
  type Facts,
  type FactType,
  type FactValue,
  type Outcome,
  type ParameterKind,
  type ParameterReading,
  type ParameterValue,
  type ResultType,
  type Trace,
} from './types.ts';
