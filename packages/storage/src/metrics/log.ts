/**
 * Structured logs: one JSON object per line ({"time","level","msg",...fields}), for journald, Loki or
 * grep. Fields are plain facts; callers never pass secrets (store configs go through describeStore).
 */
export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(write: (line: string) => void): Logger {
  return {
    log(level, msg, fields = {}) {
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
    },
  };
}

/** For callers that did not ask for logs. */
export const SILENT: Logger = { log: () => undefined };
