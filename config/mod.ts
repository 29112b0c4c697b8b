export { loadConfig, describeConfig, ConfigError, type Config } from './load.ts';
export type { ModuleName } from './placement.ts';
export { moduleNames } from '../src/modules.ts';
export { serviceUrlEnv, startWaves, type CallableModule } from './placement.ts';
