import { ConfigError, describeConfig, loadConfig, type Config } from '../config/mod.ts';
import { messageOf, warmUp } from '../modules/kernel/mod.ts';
import { createLogger, flushLogs, type Logger } from './log.ts';
import { StartupError } from './startup.ts';
import { startSystem, type Runtime, type System } from './system.ts';
import { startTelemetry } from './telemetry.ts';

export interface Booted {
  config: Config;
  logger: Logger;
  system: System;
  /** Closes the system, then exports the spans still buffered and writes out the log: what is left before `process.exit`. */
  close(): Promise<void>;
}

/**
 * What both entry points share: read and print config, start tracing when configured, compose the system. A bad config prints
 * every problem, naming its variable, and returns null so the entry point exits non-zero; so does a store that cannot be
 * used (StartupError). The system is returned before what it needs from peers answers (it is then live, not ready); should
 * that turn out to be a misconfiguration, the reason is logged and `exit(1)` called after closing.
 */
export async function boot(
  env: Record<string, string | undefined>,
  runtime: Omit<Runtime, 'logger'> & { exit: (code: number) => void },
): Promise<Booted | null> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return null;
  }
  const service = config.monolith ? 'monolith' : config.serviceName;
  const logger = createLogger({ level: config.logLevel, service });
  logger.info('config', describeConfig(config));
  const tracing = await startTelemetry({
    otlpEndpoint: config.otlpEndpoint,
    sampler: config.traceSampler,
    edge: config.services.includes('gateway'),
    service,
    logger,
  });
  const { exit, ...systemRuntime } = runtime;
  let system: System;
  try {
    system = await startSystem(config, { ...systemRuntime, logger });
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    logger.error(`cannot start: ${error.message}`);
    await tracing?.shutdown();
    await flushLogs();
    return null;
  }
  const close = async () => {
    await system.close();
    await tracing?.shutdown();
    await flushLogs();
  };
  system.started.then(
    () => {
      logger.info('started');
      // The line goes out before the warm-up's module loading holds the event loop.
      void flushLogs().then(warmUp);
    },
    async (error: unknown) => {
      logger.error(`cannot start: ${messageOf(error)}`);
      await close();
      exit(1);
    },
  );
  return { config, logger, system, close };
}
