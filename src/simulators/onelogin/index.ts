export { PERSONAS } from './personas.ts';
export { oneLoginSimulator } from './simulator-plugin.ts';
export {
  type OneLoginSimulatorOptions,
  type Persona,
  SCENARIOS,
  type Scenario,
  type SimulatorClient,
} from './types.ts';
