import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/client.js';
import type { HostResolver } from '../lib/outbound-url.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { CalendarSync } from '../modules/calendars/calendar-sync.js';
import type { RequestLimits } from '../rate-limit/request-limits.js';

/** What every resolver receives. Built once per request after authentication. */
export type RequestContext = {
  db: Database;
  principal: Principal;
  client: { ip: string | null; userAgent: string | null };
  logger: Logger;
  now: () => Date;
  /** Seals stored credentials, resolves outbound hosts (SSRF guard) and fetches calendar feeds. */
  outbound: { secrets: SecretBox; resolver: HostResolver; calendarSync: CalendarSync };
  /** Per-field limits and the key limit defaults (src/rate-limit). */
  limits: RequestLimits;
};
