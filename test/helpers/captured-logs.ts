import { createLogger, type Logger } from '../../src/lib/logger.js';

export type LogLine = Record<string, any> & { level: number; msg: string };

/** A real pino logger whose JSON lines a test can read back, exactly as they would reach stdout. */
export function captureLogs(level = 'debug'): { logger: Logger; lines: LogLine[]; text: () => string } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const logger = createLogger(level, {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  return { logger, lines, text: () => raw.join('') };
}

/** The access log lines (one per answered request), in order. */
export const accessLines = (lines: LogLine[]) => lines.filter((line) => line.msg === 'request');
