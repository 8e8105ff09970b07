import pino, { type Logger } from 'pino';

/**
 * JSON logs, one line per event. Request logs carry method, route, status, duration and request id:
 * never query strings, bodies, cookies, addresses or names, which may hold personal data.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'furusato' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', '*.email', '*.name', '*.address', '*.password'],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
