/**
 * The world a chaos test breaks: a PostgreSQL cluster of its own (to stop,
 * crash and restart), one database in it with an organization, a host and an
 * event type, a server process (`src/server.ts`, as `npm start` runs it) over
 * it, and a steady load of reads and bookings that records every answer.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { startCluster, type Cluster } from '../helpers/postgres-cluster.js';
import { spawnServer, type RunningServer } from '../helpers/processes.js';

export type World = {
  cluster: Cluster;
  databaseUrl: string;
  /** Environment the server processes get (add to it per test). */
  env: Record<string, string>;
  key: string;
  eventTypeId: string;
  /** Starts a server process over the world's database. */
  serve(extra?: Record<string, string>): Promise<RunningServer>;
  /** The same, returned as soon as it is spawned (`listening` resolves with the port). */
  spawn(extra?: Record<string, string>): ReturnType<typeof spawnServer>;
  stop(): Promise<void>;
};

export async function buildWorld(binDir: string): Promise<World> {
  // Durable like production: the crash test counts acknowledged bookings after recovery.
  const cluster = await startCluster(binDir, { durable: true });
  const databaseUrl = `postgres://postgres@127.0.0.1:${cluster.port}/tessera`;
  const admin = postgres(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`, { max: 1, onnotice: () => {} });
  await admin`create database tessera`;
  await admin.end();
  const database = await openDatabase(databaseUrl);
  await migrateDatabase(database);
  const org = await bootstrapOrganization(database.db, { organizationName: 'Chaos', adminEmail: 'ops@example.com', environment: 'TEST' }, new Date(), 'test');
  await database.close();

  const env = {
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    RATE_LIMIT_TEST_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
    CALENDAR_REFRESH_INTERVAL_MS: '0',
  };
  const servers: Array<Pick<RunningServer, 'child' | 'exited'>> = [];
  const spawn = (extra: Record<string, string> = {}) => {
    const server = spawnServer({ ...env, ...extra });
    servers.push(server);
    return server;
  };
  const serve = async (extra: Record<string, string> = {}): Promise<RunningServer> => {
    const server = spawn(extra);
    return { ...server, port: await server.listening };
  };

  // The host and event type go through the API, as a client's would.
  const seeder = await serve();
  const call = graphqlClient(seeder.port, org.secret);
  const host = await call<{ createTeamMember: { id: string } }>(
    'mutation ($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { id } }',
    { input: { name: 'Host', email: 'host@example.com', timeZone: 'UTC', capacity: 100, workingHours: aroundTheClock() } },
  );
  const eventType = await call<{ createEventType: { id: string } }>(
    'mutation ($input: CreateEventTypeInput!) { createEventType(input: $input) { id } }',
    { input: { title: 'Call', slug: 'call', durationMinutes: 15, bookingWindowDays: 730, hostIds: [host.createTeamMember.id] } },
  );
  seeder.child.kill('SIGTERM');
  await seeder.exited;

  return {
    cluster,
    databaseUrl,
    env,
    key: org.secret,
    eventTypeId: eventType.createEventType.id,
    serve,
    spawn,
    async stop() {
      for (const server of servers) if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await Promise.all(servers.map((server) => server.exited.catch(() => undefined)));
      cluster.stop();
    },
  };
}

function aroundTheClock() {
  return ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'].map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
}

function graphqlClient(port: number, key: string) {
  return async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors || !body.data) throw new Error(`seeding failed: ${JSON.stringify(body)}`);
    return body.data;
  };
}

export type Answer = {
  kind: 'read' | 'booking';
  sentAt: number;
  ms: number;
  /** HTTP status, or 0 when no answer came (reset, refused, or past the client's own wait). */
  status: number;
  code?: string;
  bookingId?: string;
  failure?: string;
};

let slot = 0;

/**
 * Sends `perSecond` requests a second (alternately a read and a booking on a
 * fresh slot), each waiting at most `waitMs` for its answer, until stopped.
 */
export function startLoad(world: World, port: () => number, options: { perSecond: number; waitMs: number }) {
  const answers: Answer[] = [];
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  // Whole days ahead, inside the booking window; each booking its own 15-minute slot.
  const origin = (Math.floor(Date.now() / 86_400_000) + 2) * 86_400_000;
  const once = () => {
    const kind = sent++ % 2 === 0 ? 'read' : 'booking';
    const body =
      kind === 'read'
        ? { query: '{ eventTypes(first: 5) { nodes { id title } } }' }
        : {
            query: 'mutation ($input: CreateBookingInput!) { createBooking(input: $input) { id } }',
            variables: {
              input: {
                eventTypeId: world.eventTypeId,
                startAt: new Date(origin + slot++ * 15 * 60_000).toISOString(),
                attendee: { name: 'Load', email: 'load@example.com' },
              },
            },
          };
    const sentAt = Date.now();
    const request = fetch(`http://127.0.0.1:${port()}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${world.key}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.waitMs),
    })
      .then(async (response) => {
        const json = (await response.json().catch(() => ({}))) as {
          data?: { createBooking?: { id: string } };
          errors?: Array<{ extensions?: { code?: string } }>;
        };
        answers.push({
          kind,
          sentAt,
          ms: Date.now() - sentAt,
          status: response.status,
          code: json.errors?.[0]?.extensions?.code,
          bookingId: json.data?.createBooking?.id,
        });
      })
      .catch((error: Error) => {
        answers.push({ kind, sentAt, ms: Date.now() - sentAt, status: 0, failure: String((error.cause as Error | undefined)?.message ?? error.message) });
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const timer = setInterval(once, 1000 / options.perSecond);
  return {
    answers,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return answers;
    },
  };
}

/** Counts by outcome, e.g. { '200': 310, '503 SERVICE_UNAVAILABLE': 12, 'no answer: fetch failed': 2 }. */
export function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const label = answer.status === 0 ? `no answer: ${answer.failure}` : `${answer.status}${answer.code ? ` ${answer.code}` : ''}`;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
