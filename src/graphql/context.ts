import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/client.js';

/** What every resolver receives. Built once per request after authentication. */
export type RequestContext = {
  db: Database;
  principal: Principal;
  client: { ip: string | null; userAgent: string | null };
  logger: Logger;
  now: () => Date;
};
