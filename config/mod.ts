export { loadConfig, describeConfig, ConfigError, type Config } from './load.ts';
export type { ModuleName } from './schema.ts';
