import { isSpanContextValid, trace } from '@opentelemetry/api';

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 } as const;
export type LogLevel = keyof typeof levels;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function errorFields(value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}

/** The trace of the work being logged, when tracing is on: lines then join up with their spans. */
function activeTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? context.traceId : undefined;
}

/** One JSON line per entry on stderr. Callers never pass passwords, tokens or secrets. */
export function createLogger({ level, service }: { level: LogLevel; service: string }): Logger {
  const threshold = levels[level];
  const write =
    (lvl: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (levels[lvl] < threshold) return;
      const entry = { level: lvl, time: new Date().toISOString(), service, msg, traceId: activeTraceId(), ...fields };
      if ('error' in entry) entry.error = errorFields(entry.error);
      console.error(JSON.stringify(entry));
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
