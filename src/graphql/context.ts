import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/client.js';
import type { RequestLimits } from '../rate-limit/request-limits.js';

/** What every resolver receives. Built once per request after authentication. */
export type RequestContext = {
  db: Database;
  principal: Principal;
  client: { ip: string | null; userAgent: string | null };
  logger: Logger;
  now: () => Date;
  /** Per-field limits and the key limit defaults (src/rate-limit). */
  limits: RequestLimits;
};
