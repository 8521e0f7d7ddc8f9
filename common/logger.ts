import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * One logger per process. Authorization headers, identity assertions and cookies
 * are redacted: tokens must never reach the logs.
 */
export function createLogger(name: string, level: LevelWithSilent = 'info'): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-storefront-identity"]',
        'headers.authorization',
        'headers["x-storefront-identity"]',
      ],
      censor: '[redacted]',
    },
  });
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
