import type { Logger } from '../lib/logger.js';

export type FaultResponse = {
  /** Stops taking traffic and finishes what is in flight, then exits with the code. */
  drainAndExit(reason: string, exitCode: number): void;
};

/**
 * The last line of defence for errors nothing else caught. An exception
 * thrown outside any request or task (a driver bug firing from a timer, say)
 * may have left shared state half-changed, so the instance turns not ready,
 * answers what it already received, and exits 1 for its supervisor to
 * restart it — instead of dying with requests in flight and audit records
 * unwritten. A promise rejection nobody handled left no code half-run: it is
 * logged and counted, and the instance keeps serving.
 */
export function handleProcessFaults(logger: Logger, response: FaultResponse): { unhandledRejections(): number } {
  let rejections = 0;
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception: draining, then exiting 1');
    response.drainAndExit('faulted', 1);
  });
  process.on('unhandledRejection', (reason) => {
    rejections++;
    logger.error({ err: reason, unhandledRejections: rejections }, 'unhandled promise rejection');
  });
  return { unhandledRejections: () => rejections };
}
