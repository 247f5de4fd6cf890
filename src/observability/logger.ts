/**
 * Structured JSON logs. Callers pass only identifiers, codes and numbers - never resource content.
 * As a second line of defence every string value is scrubbed of 9-digit numbers (a BSN looks like
 * one), so a mistake upstream does not put a BSN in a log file.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogValue = string | number | boolean | undefined | null;
export type LogFields = Record<string, LogValue>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const NINE_DIGITS = /(?<!\d)\d{9}(?!\d)/g;

export function scrub(value: string): string {
  return value.replace(NINE_DIGITS, '[9 digits]');
}

export function createLogger(
  level: LogLevel,
  sink: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
  now: () => Date = () => new Date(),
): Logger {
  const write = (lvl: LogLevel, event: string, fields: LogFields = {}): void => {
    if (ORDER[lvl] < ORDER[level]) return;
    const record: Record<string, LogValue> = { time: now().toISOString(), level: lvl, event: scrub(event) };
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      record[k] = typeof v === 'string' ? scrub(v) : v;
    }
    sink(JSON.stringify(record));
  };
  return {
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
  };
}

export const silentLogger: Logger = createLogger('error', () => undefined);
