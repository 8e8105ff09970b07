import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * JSON logs, one line per event. Request logs carry method, route, status, duration and request id:
 * never query strings, bodies, cookies, addresses or names, which may hold personal data.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'furusato' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.cookie', 'req.headers.authorization', '*.email', '*.name', '*.address', '*.password'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type { Logger };
