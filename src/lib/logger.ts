import pino, { type Logger } from 'pino';

/**
 * Structured JSON logs. Anything that could carry a key is redacted at the
 * source, so a stray `logger.info({ headers })` cannot leak a secret.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: {
      paths: [
        'headers.authorization',
        'headers["x-api-key"]',
        'headers["tessera-api-key"]',
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers["tessera-api-key"]',
        'secret',
        '*.secret',
        'apiKey.secret',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
