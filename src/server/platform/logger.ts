/**
 * pino JSON logs. Child loggers carry `request_id`, `job_id` and `workspace_id` where known.
 * Pretty output when stdout is a TTY (pino-pretty as a transport, so the JSON path stays fast).
 */
import pino from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Force pretty (true) or JSON (false); default: pretty when stdout is a TTY. */
  pretty?: boolean;
  /** Destination stream for JSON logs (tests capture them). */
  destination?: pino.DestinationStream;
}

/** Paths redacted from every log line; secrets never reach logs. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export function createLogger(opts: LoggerOptions): Logger {
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  const base: pino.LoggerOptions = {
    level: opts.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (opts.destination) return pino(base, opts.destination);
  if (pretty) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid' },
      },
    });
  }
  return pino(base);
}

/** A logger that discards everything (tests, quiet CLI commands). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
