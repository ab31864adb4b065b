export { isValidNricOrFin } from './check-nric.ts';
export { type Loa, type Persona as SingpassPersona, personas as singpassPersonas } from './personas.ts';
export { scenarios as singpassScenarios } from './scenarios.ts';
export { singpassSimulator } from './singpass-simulator.ts';
export { startSingpassSimulatorServer } from './start-simulator-server.ts';
export type {
  ContentEncryption,
  Scenario as SingpassScenario,
  SimulatorClient as SingpassSimulatorClient,
  SingpassProfile,
  SingpassSimulatorOptions,
} from './types.ts';
