import type {
  CompiledExpression,
  FactType,
  ParameterKind,
  ParameterReading,
  ParameterValue,
} from '../rules/index.ts';
import type {
  Agency,
  CaseDefinition,
  EventDefinition,
  FactDefinition,
  ParameterDefinition,
  ServiceDefinition,
} from './schema.ts';

/** One dated value of a parameter; `expected` marks an announced value (OpenFisca's `expected`). */
export interface SeriesPoint {
  readonly from: string;
  readonly value: ParameterValue;
  readonly reference: string;
  readonly note?: string;
  readonly expected: boolean;
}

export interface Parameter extends ParameterDefinition {
  readonly id: string;
  readonly file: string;
  readonly kind: ParameterKind;
  /** `values` then `expected`, in date order. */
  readonly series: readonly SeriesPoint[];
  /** `series[i]` as the reading an evaluation reports, built once at load so reads allocate nothing. */
  readonly readings: readonly ParameterReading[];
}

export interface Fact extends FactDefinition {
  readonly id: string;
}

export interface Service extends ServiceDefinition {
  readonly file: string;
  readonly rules: {
    readonly eligibility: CompiledExpression;
    readonly deadline?: CompiledExpression;
    readonly amount?: CompiledExpression;
  };
}

export interface LifeEvent extends EventDefinition {
  readonly file: string;
}

export interface RuleCase extends CaseDefinition {
  readonly file: string;
  readonly index: number;
}

/** The loaded, validated and compiled catalogue. Frozen; shared by every request. */
export interface Catalogue {
  readonly dir: string;
  /** `catalogue.yaml`'s version, such as `2026-11-27.1`: shown with journeys, recorded on saved ones. */
  readonly version: string;
  readonly description?: string;
  readonly agencies: ReadonlyMap<string, Agency>;
  readonly facts: ReadonlyMap<string, Fact>;
  readonly factTypes: ReadonlyMap<string, FactType>;
  readonly parameters: ReadonlyMap<string, Parameter>;
  readonly events: ReadonlyMap<string, LifeEvent>;
  readonly services: ReadonlyMap<string, Service>;
  readonly cases: readonly RuleCase[];
}

export type Path = readonly (string | number)[];
/** One thing wrong with the catalogue: the file (relative to the catalogue), the path inside it, why. */
export interface Problem {
  readonly file: string;
  readonly path: Path;
  readonly reason: string;
}
