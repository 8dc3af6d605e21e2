/**
 * The endpoint GitHub's secret scanning reports leaked keys to
 * (`POST /secret-scanning`). Declared as in src/config/settings.ts; how to
 * register it with GitHub is in docs/operations.md ("Leaked keys").
 */
import { GITHUB_SECRET_SCANNING_KEYS_URL, readGitHubPublicKeyFile } from '../lib/github-public-keys.js';
import { custom, oneOf } from './setting.js';

export const SECRET_SCANNING_SETTINGS = {
  publicKeysFile: custom<string | null>({
    variable: 'SECRET_SCANNING_PUBLIC_KEYS',
    accepts: 'a file path',
    shownDefault: null,
    description:
      `Turns on \`POST /secret-scanning\`, where GitHub reports Tessera keys it found in public: the file holds GitHub's signing keys, saved from ${GITHUB_SECRET_SCANNING_KEYS_URL} (nothing is fetched at run time). Read at start-up (a missing or unreadable file stops it) and again on the first alert after the file changed. Unset: the path answers 404.`,
    parse(path, refuse) {
      try {
        readGitHubPublicKeyFile(path);
      } catch (error) {
        refuse((error as Error).message);
      }
      return path;
    },
    unset: () => null,
  }),
  action: oneOf({
    variable: 'SECRET_SCANNING_ACTION',
    values: ['revoke', 'flag'],
    default: 'revoke',
    description:
      'What a reported live secret key gets: `revoke` ends it at once on every instance; `flag` only marks it (`ApiKey.leakedAt`) and tells its owner. Test and public keys are always only flagged. Either way an `api_key.leaked` audit record and webhook event.',
  }),
} as const;
