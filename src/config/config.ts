import { readSettings, type Env, type ValuesOf } from './setting.js';
import { SETTINGS } from './settings.js';

export { ConfigError } from './setting.js';
export { DEFAULT_DATABASE_URL } from './settings.js';

/**
 * The validated configuration, shaped like the settings table
 * (src/config/settings.ts): `config.limits.query.maxDepth` is the value of the
 * setting declared at `SETTINGS.limits.query.maxDepth`, QUERY_MAX_DEPTH.
 * `encryptionKey` null means "no ENCRYPTION_KEY given" (see resolveEncryptionKey);
 * `redisUrl` null means in-memory counters, one instance.
 */
export type Config = ValuesOf<typeof SETTINGS>;

/** Every request, abuse and query limit; docs/limits-and-scaling.md. */
export type LimitsConfig = Config['limits'];

/** Reads and validates the whole configuration; the first problem names its variable. */
export function loadConfig(env: Env = process.env): Config {
  return readSettings(SETTINGS, env);
}
