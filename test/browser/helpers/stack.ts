/**
 * What a browser scenario runs against: the real API over real HTTP on
 * 127.0.0.1 (an in-memory PGlite database, so the test can look inside it),
 * and helpers to call it as a server would, with a secret key and no Origin.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/config.js';
import type { DatabaseHandle } from '../../../src/db/client.js';
import { createLogger } from '../../../src/lib/logger.js';
import { bootstrapOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { createTestDatabase } from '../../helpers/test-database.js';

export type ApiStack = {
  app: App;
  database: DatabaseHandle;
  /** http://127.0.0.1:PORT — the API's own origin. */
  origin: string;
  graphqlUrl: string;
  /** A call from a server: secret key, no Origin header. */
  call<T = any>(key: string, query: string, variables?: Record<string, unknown>): Promise<T>;
  /** A new organization and its full-access secret key in one world. */
  organization(environment: 'LIVE' | 'TEST'): Promise<{ organizationId: string; adminKey: string }>;
  close(): Promise<void>;
};

export async function startApi(env: Record<string, string> = {}): Promise<ApiStack> {
  const database = await createTestDatabase();
  const app = await createApp(loadConfig({ DATABASE_URL: 'memory://', ...env }), {
    database,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  const server: Server = createServer(app.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const graphqlUrl = `${origin}/graphql`;
  let organizations = 0;

  async function call<T>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
    if (body.errors?.length) throw new Error(`API call failed (${response.status}): ${body.errors.map((e) => e.message).join('; ')}`);
    return body.data!;
  }

  return {
    app,
    database,
    origin,
    graphqlUrl,
    call,
    async organization(environment) {
      const made = await bootstrapOrganization(
        database.db,
        { organizationName: `Browser org ${++organizations}`, adminEmail: `admin${organizations}@example.com`, environment },
        new Date(),
        'test',
      );
      return { organizationId: made.organization.id, adminKey: made.secret };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.stop();
      await database.close();
    },
  };
}

const EVERY_DAY = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

/** One host working 08:00–18:00 UTC every day, and one 30-minute event type she hosts. */
export async function seedBookable(api: ApiStack, adminKey: string, title = 'Intro call'): Promise<{ eventTypeId: string }> {
  const { createTeamMember } = await api.call(
    adminKey,
    `mutation($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { id } }`,
    {
      input: {
        name: 'Ada Host',
        email: `ada.${Math.random().toString(36).slice(2)}@example.com`,
        timeZone: 'UTC',
        workingHours: EVERY_DAY.map((weekday) => ({ weekday, start: '08:00', end: '18:00' })),
      },
    },
  );
  const { createEventType } = await api.call(
    adminKey,
    `mutation($input: CreateEventTypeInput!) { createEventType(input: $input) { id } }`,
    {
      input: {
        title,
        slug: title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
        durationMinutes: 30,
        hostIds: [createTeamMember.id],
      },
    },
  );
  return { eventTypeId: createEventType.id };
}

export const WIDGET_SCOPES = ['event-types:read', 'availability:read', 'bookings:create', 'bookings:read-own'];

/**
 * A public key made the way an admin would: createApiKey with their secret key;
 * `trustedDocumentsOnly` holds it to the documents registered (the widget's).
 */
export async function createPublicKey(
  api: ApiStack,
  adminKey: string,
  environment: 'LIVE' | 'TEST',
  allowedOrigins: string[] = [],
  { trustedDocumentsOnly = false }: { trustedDocumentsOnly?: boolean } = {},
): Promise<{ id: string; secret: string }> {
  const { createApiKey } = await api.call(
    adminKey,
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`,
    {
      input: { name: 'Booking widget', type: 'PUBLIC', environment, scopes: WIDGET_SCOPES, allowedOrigins, expiresIn: 'NEVER', trustedDocumentsOnly },
    },
  );
  return { id: createApiKey.apiKey.id, secret: createApiKey.secret };
}
