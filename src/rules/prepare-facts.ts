import type { Facts, FactType, FactValue } from './types.ts';

/**
 * A citizen's known facts in the two forms the engine needs: `values` as CEL reads them (integers as
 * BigInt, CEL's `int`), `known` as given (for traces and explanations). A fact whose value is
 * undefined or null is not known and is left out, so a rule that reads it reports it as missing.
 * Values are assumed to be valid for their type already (the catalogue validates answers).
 */
export interface CelFacts {
  readonly values: Readonly<Record<string, unknown>>;
  readonly known: Facts;
}

export function prepareFacts(facts: Facts, types: ReadonlyMap<string, FactType>): CelFacts {
  const values: Record<string, unknown> = {};
  const known: Record<string, FactValue> = {};
  for (const id in facts) {
    const value = facts[id];
    if (value === undefined || value === null) continue;
    known[id] = value;
    values[id] = types.get(id) === 'integer' && typeof value === 'number' ? BigInt(value) : value;
  }
  return { values, known };
}
