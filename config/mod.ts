export { loadConfig, describeConfig, ConfigError, type Config } from './load.ts';
export type { ModuleName } from './schema.ts';
export { moduleNeeds, remoteModules, serviceUrlEnv, type CallableModule } from './placement.ts';
