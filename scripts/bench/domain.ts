/**
 * `npm run bench:domain`: the scheduling work itself, on a throw-away
 * PostgreSQL (PGlite in memory without the server binaries). One event type
 * with 10 hosts, 2,000 bookings over 62 days and one calendar feed per host
 * (served here, 60 events and a weekly meeting each): `availability` over the
 * 62 days, ms per call and this process's CPU per call (the target: under 50
 * ms); then `createBooking` on a host with nothing booked, bookings per second
 * with 10 in flight. A tool, not a test: it prints figures.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import postgres from 'postgres';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';
import { bootstrapOrganization } from '../../src/modules/organizations/bootstrap.js';
import { findServerBinDir, startCluster, type Cluster } from '../../test/helpers/postgres-cluster.js';

const DAY = 86_400_000;
const HOSTS = 10;
const BOOKINGS = 2_000;
const CALLS = 20;
const WEEK = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

const binDir = findServerBinDir();
let cluster: Cluster | undefined;
let url = 'memory://';
if (binDir) {
  cluster = await startCluster(binDir);
  const admin = postgres(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`, { max: 1, onnotice: () => {} });
  await admin`create database bench_domain`;
  await admin.end();
  url = `postgres://postgres@127.0.0.1:${cluster.port}/bench_domain`;
}
const start = new Date(Math.ceil((Date.now() + 2 * DAY) / DAY) * DAY);
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');

// One feed per host: 60 one-hour events across the range and a weekly meeting.
const feeds = createServer((request, response) => {
  const host = Number(request.url?.match(/\d+/)?.[0] ?? 0);
  const events = Array.from({ length: 60 }, (_, i) => {
    const at = start.getTime() + ((i * 62 * DAY) / 60 + host * 3_600_000) - ((i * 62 * DAY) / 60) % (15 * 60_000);
    return ['BEGIN:VEVENT', `UID:h${host}e${i}`, `DTSTART:${stamp(at)}`, `DTEND:${stamp(at + 3_600_000)}`, 'END:VEVENT'];
  });
  const weekly = ['BEGIN:VEVENT', `UID:h${host}weekly`, `DTSTART:${stamp(start.getTime() + 9 * 3_600_000)}`, `DTEND:${stamp(start.getTime() + 10 * 3_600_000)}`, 'RRULE:FREQ=WEEKLY;COUNT=10', 'END:VEVENT'];
  response.writeHead(200, { 'content-type': 'text/calendar' });
  response.end(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//bench//EN', ...events.flat(), ...weekly, 'END:VCALENDAR'].join('\r\n'));
});
await new Promise<void>((resolve) => feeds.listen(0, '127.0.0.1', resolve));
const feedPort = (feeds.address() as { port: number }).port;

const database = await openDatabase(url);
await migrateDatabase(database);
const org = await bootstrapOrganization(database.db, { organizationName: 'Domain', adminEmail: 'domain@example.com', environment: 'TEST' }, new Date(), 'bench');
const app = await createApp(
  loadConfig({
    DATABASE_URL: url,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_TEST_PER_MINUTE: '10000000',
    ORG_CONCURRENCY_LIMIT: '100000',
    FIELD_RATE_LIMITS: 'off',
    RETENTION_INTERVAL_MS: '0',
    WEBHOOK_POLL_INTERVAL_MS: '0',
    CALENDAR_REFRESH_INTERVAL_MS: '0',
  }),
  { database, logger: createLogger('silent') },
);

async function call<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await app.yoga.fetch('http://bench.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.secret}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

const hostIds: string[] = [];
for (let i = 0; i < HOSTS + 1; i++) {
  const made = await call<{ createTeamMember: { id: string } }>('mutation ($input: CreateTeamMemberInput!) { createTeamMember(input: $input) { id } }', {
    input: { name: `Host ${i}`, email: `host${i}@example.com`, timeZone: 'UTC', capacity: 1, workingHours: WEEK.map((weekday) => ({ weekday, start: '00:00', end: '24:00' })) },
  });
  hostIds.push(made.createTeamMember.id);
}
const [freeHost] = hostIds.splice(HOSTS, 1);
const eventType = async (slug: string, hosts: string[]) =>
  (await call<{ createEventType: { id: string } }>('mutation ($input: CreateEventTypeInput!) { createEventType(input: $input) { id } }', {
    input: { title: slug, slug, durationMinutes: 30, bookingWindowDays: 730, hostIds: hosts },
  })).createEventType.id;
const busyType = await eventType('busy', hostIds);
const freeType = await eventType('free', [freeHost!]);
for (const [i, id] of hostIds.entries()) {
  await call('mutation ($member: ID!, $url: String!) { connectCalendar(teamMemberId: $member, url: $url) { id } }', { member: id, url: `http://127.0.0.1:${feedPort}/feed/${i}.ics` });
}

const BOOK = 'mutation ($input: CreateBookingInput!) { createBooking(input: $input) { id } }';
const book = (eventTypeId: string, at: number, hostId: string) =>
  call(BOOK, { input: { eventTypeId, startAt: new Date(at).toISOString(), hostId, attendee: { name: 'Ada', email: 'ada@example.com' } } });
let seeded = 0;
for (let i = 0; seeded < BOOKINGS; i++) {
  const at = start.getTime() + ((i * 7919) % (62 * 48)) * 30 * 60_000;
  await book(busyType, at, hostIds[i % HOSTS]!).then(() => seeded++, () => undefined);
}

const AVAILABILITY = 'query ($id: ID!, $from: DateTime!, $to: DateTime!) { availability(eventTypeId: $id, from: $from, to: $to) { start availableHosts } }';
const range = { id: busyType, from: start.toISOString(), to: new Date(start.getTime() + 62 * DAY).toISOString() };
await call(AVAILABILITY, range);
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
let slots = 0;
for (let i = 0; i < CALLS; i++) slots = (await call<{ availability: unknown[] }>(AVAILABILITY, range)).availability.length;
const wallMs = (performance.now() - wallBefore) / CALLS;
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000 / CALLS;

const bookingStarted = performance.now();
let made = 0;
let next = 0;
const worker = async () => {
  while (performance.now() - bookingStarted < 5000) {
    const at = start.getTime() + next++ * 30 * 60_000;
    await book(freeType, at, freeHost!).then(() => made++);
  }
};
await Promise.all(Array.from({ length: 10 }, worker));
const perSecond = made / ((performance.now() - bookingStarted) / 1000);

await app.stop();
await database.close();
feeds.close();
cluster?.stop();
console.log(`\n${url.startsWith('postgres') ? `PostgreSQL ${cluster!.version}` : 'PGlite in memory'}; ${HOSTS} hosts, ${seeded} bookings over 62 days, one calendar feed per host`);
console.table([
  { what: `availability, 62 days (${slots} slots)`, 'ms per call': wallMs.toFixed(1), 'CPU ms per call (this process)': cpuMs.toFixed(1), target: 'CPU < 50 ms' },
  { what: 'createBooking, one slot-free host, 10 in flight', 'bookings per second': perSecond.toFixed(0) },
]);
