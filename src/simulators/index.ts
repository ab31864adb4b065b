export {
  type OneLoginSimulatorOptions,
  oneLoginSimulator,
  PERSONAS as ONELOGIN_PERSONAS,
  SCENARIOS as ONELOGIN_SCENARIOS,
  type Scenario as OneLoginScenario,
} from './onelogin/index.ts';
export {
  isValidNricOrFin,
  type SingpassPersona,
  type SingpassScenario,
  type SingpassSimulatorOptions,
  singpassPersonas,
  singpassScenarios,
  singpassSimulator,
  startSingpassSimulatorServer,
} from './singpass/index.ts';
