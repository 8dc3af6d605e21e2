/**
 * Daily limits on bookings made with public keys, so a key copied from a web
 * page cannot hoard a calendar: per attendee email and per client address,
 * within one organization's live or test world, over the last 24 hours.
 * Secret keys (servers booking for many people) are not limited here.
 *
 * Exact under concurrency: createBooking calls this inside its transaction,
 * which first takes a transaction-scoped advisory lock per email and per
 * address, so bookings of one attendee (or from one address) are counted one
 * after the other and each count sees the bookings committed before it. The
 * locks are always taken in the same order (email, then address, then the
 * host's row in claimHost), so no two bookings can deadlock.
 */
import { and, desc, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { Tenant } from '../../auth/principal.js';
import type { Executor } from '../../db/client.js';
import { apiKeys, bookings } from '../../db/schema/index.js';
import { inTenant } from '../../db/tenant.js';
import { appError } from '../../lib/errors.js';

export type PublicBookingLimits = { perEmailPerDay: number; perAddressPerDay: number };

/** Who a public key's booking is for and where it came from; the address is null when unknown (in-process calls). */
export type PublicBooker = { email: string; address: string | null };

const DAY_MS = 24 * 60 * 60_000;

/** Namespaces of the advisory locks (the first of their two keys), one per kind of limit. */
const LOCK_SPACE = { email: 1_913_207_001, address: 1_913_207_002 } as const;

type Quota = {
  kind: keyof typeof LOCK_SPACE;
  value: string;
  max: number;
  /** Bookings of the tenant's public keys that count against this quota. */
  counted: SQL;
  field?: string;
  describe: (max: number) => string;
};

function quotasFor(booker: PublicBooker, limits: PublicBookingLimits): Quota[] {
  const email = booker.email.toLowerCase();
  const quotas: Quota[] = [
    {
      kind: 'email',
      value: email,
      max: limits.perEmailPerDay,
      counted: sql`lower(${bookings.attendeeEmail}) = ${email}`,
      field: 'attendee.email',
      describe: (max) => `attendee.email: ${max} bookings for this attendee were already made with public keys in the last 24 hours`,
    },
  ];
  if (booker.address) {
    quotas.push({
      kind: 'address',
      value: booker.address,
      max: limits.perAddressPerDay,
      counted: eq(bookings.clientAddress, booker.address),
      describe: (max) => `${max} bookings were already made from this address with public keys in the last 24 hours`,
    });
  }
  return quotas;
}

/**
 * Refuses (BOOKING_LIMIT_REACHED, saying when to retry) a public key's booking
 * that would exceed a daily limit. Run it in the booking's transaction, before
 * the booking is written: the locks it takes last until that transaction ends.
 */
export async function assertWithinPublicBookingLimits(
  tx: Executor,
  tenant: Tenant,
  booker: PublicBooker,
  limits: PublicBookingLimits,
  now: Date,
): Promise<void> {
  const quotas = quotasFor(booker, limits);
  for (const quota of quotas) {
    const subject = `${tenant.organizationId}:${tenant.environment}:${quota.value}`;
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_SPACE[quota.kind]}::int, hashtext(${subject}))`);
  }
  for (const quota of quotas) {
    // The max-th most recent booking in the window: once it is a day old, there is room again.
    const [oldestCounted] = await tx
      .select({ createdAt: bookings.createdAt })
      .from(bookings)
      .innerJoin(apiKeys, eq(apiKeys.id, bookings.createdByKeyId))
      .where(
        and(
          inTenant(bookings, tenant),
          quota.counted,
          gt(bookings.createdAt, new Date(now.getTime() - DAY_MS)),
          eq(apiKeys.type, 'PUBLIC'),
        ),
      )
      .orderBy(desc(bookings.createdAt))
      .offset(quota.max - 1)
      .limit(1);
    if (oldestCounted) throw limitReached(quota, new Date(oldestCounted.createdAt.getTime() + DAY_MS), now);
  }
}

function limitReached(quota: Quota, retryAt: Date, now: Date) {
  const retryAfter = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
  return appError(
    'BOOKING_LIMIT_REACHED',
    `${quota.describe(quota.max)} (the daily limit); retry after ${retryAt.toISOString()} (in ${retryAfter} s).`,
    {
      ...(quota.field ? { field: quota.field } : {}),
      limit: quota.kind === 'email' ? 'PER_ATTENDEE_EMAIL_PER_DAY' : 'PER_CLIENT_ADDRESS_PER_DAY',
      max: quota.max,
      retryAt: retryAt.toISOString(),
      retryAfter,
    },
  );
}
