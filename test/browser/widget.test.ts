import { DateTime } from 'luxon';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerWidgetDocuments } from '../../examples/booking-widget/register-documents.js';
import { startWidgetServer, type WidgetServer } from '../../examples/booking-widget/widget-server.js';
import { browserTierSkipped, launchChromium, screenshots } from './helpers/chromium.js';
import { createPublicKey, seedBookable, startApi, type ApiStack } from './helpers/stack.js';
import { WidgetPage } from './helpers/widget-page.js';

/** Visitors are in New York, the host works 08:00–18:00 UTC: every time shown must be converted. */
const VISITOR_ZONE = 'America/New_York';
const bookingDay = () => DateTime.now().setZone(VISITOR_ZONE).plus({ days: 3 }).toISODate()!;
/** The host's first free time that day (08:00 UTC), as the visitor's clock reads it. */
const firstFreeTime = (day: string) =>
  DateTime.fromISO(`${day}T12:00`, { zone: VISITOR_ZONE }).setZone('UTC').set({ hour: 8, minute: 0 }).setZone(VISITOR_ZONE).toFormat('HH:mm');

let browser: Browser;
let context: BrowserContext;
let widget: WidgetPage;
const widgets: WidgetServer[] = [];

function serveWidget(api: ApiStack, publicKey: string): Promise<WidgetServer> {
  return startWidgetServer({ port: 0, host: '127.0.0.1', apiUrl: api.graphqlUrl, publicKey }).then((server) => {
    widgets.push(server);
    return server;
  });
}

/** A new test organization with a bookable event type, the widget's documents registered, and a site serving the widget with a pk_test_ key. */
async function bookableSite(api: ApiStack): Promise<{ site: WidgetServer; key: { secret: string } }> {
  const org = await api.organization('TEST');
  await seedBookable(api, org.adminKey);
  await registerWidgetDocuments(api.graphqlUrl, org.adminKey);
  const key = await createPublicKey(api, org.adminKey, 'TEST');
  return { site: await serveWidget(api, key.secret), key };
}

describe.skipIf(browserTierSkipped)('the booking widget in Chromium', () => {
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await Promise.all(widgets.map((server) => server.close()));
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext({ timezoneId: VISITOR_ZONE, locale: 'en-US', viewport: { width: 900, height: 1000 } });
    widget = new WidgetPage(await context.newPage());
  });
  afterEach(() => context.close());

  describe('with a pk_test_ key held to the widget\'s trusted documents', () => {
    let api: ApiStack;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(() => api.close());

    it('lists event types, shows times in the visitor zone, books, and the booking is in the database', async () => {
      const shot = screenshots('1-pk-test-booking');
      const org = await api.organization('TEST');
      await seedBookable(api, org.adminKey);
      // The site's deploy step: the manifest GraphQL Code Generator built, registered with a secret key.
      expect(await registerWidgetDocuments(api.graphqlUrl, org.adminKey)).toHaveLength(4);
      const key = await createPublicKey(api, org.adminKey, 'TEST', [], { trustedDocumentsOnly: true });
      const site = await serveWidget(api, key.secret);
      expect(site.origin).not.toBe(api.origin);

      await widget.open(site.url);
      await widget.chooseEventType('Intro call');
      const day = bookingDay();
      await widget.pickDay(day);
      expect(await widget.freeTimes.first().textContent()).toBe(firstFreeTime(day));
      await shot(widget.page, 'free-times');

      const time = await widget.bookFirstFreeTime('Grace Visitor', 'grace@example.com');
      expect(await widget.messageOf('success')).toContain('Booked: Intro call');
      await expect.poll(() => widget.yourBookings.innerText()).toContain('Grace Visitor');
      await shot(widget.page, 'booked');

      const rows = await api.database.query<{ attendee_name: string; attendee_email: string; attendee_time_zone: string; start_at: Date | string; created_by_key_id: string }>(
        'select attendee_name, attendee_email, attendee_time_zone, start_at, created_by_key_id from bookings',
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ attendee_name: 'Grace Visitor', attendee_email: 'grace@example.com', attendee_time_zone: VISITOR_ZONE, created_by_key_id: key.id });
      const start = DateTime.fromJSDate(new Date(rows[0]!.start_at)).setZone(VISITOR_ZONE);
      expect(start.toFormat('yyyy-MM-dd HH:mm')).toBe(`${day} ${time}`);

      // The booked time is gone from the free times; a reload still shows the visitor's booking.
      expect(await widget.freeTimes.first().textContent()).not.toBe(time);
      await widget.open(site.url);
      await expect.poll(() => widget.yourBookings.innerText()).toContain('Grace Visitor');

      // A query of its own, with the key from the page: refused, whatever it asks.
      const adHoc = await widget.page.evaluate(
        async ({ url, secret }) => {
          const response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
            body: JSON.stringify({ query: '{ eventTypes { nodes { id title } } }' }),
          });
          return { status: response.status, body: (await response.json()) as { data?: unknown; errors: Array<{ extensions: Record<string, unknown> }> } };
        },
        { url: api.graphqlUrl, secret: key.secret },
      );
      expect(adHoc.status).toBe(403);
      expect(adHoc.body.data ?? null).toBeNull();
      expect(adHoc.body.errors[0]!.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'UNTRUSTED_DOCUMENT' });
    });
  });

  describe('when requests race: two visitors for one time, answers arriving out of order', () => {
    let api: ApiStack;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(() => api.close());

    it('tells the slower one the time was just taken and offers the remaining times', async () => {
      const shot = screenshots('extra-slot-taken');
      const { site } = await bookableSite(api);
      const day = bookingDay();
      const other = new WidgetPage(await context.newPage());
      for (const visitor of [widget, other]) {
        await visitor.open(site.url);
        await visitor.chooseEventType('Intro call');
        await visitor.pickDay(day);
      }
      const time = await other.bookFirstFreeTime('First Visitor', 'first@example.com');
      expect(await other.messageOf('success')).toContain('Booked');

      // The slower visitor still sees the time they chose before it was taken.
      expect(await widget.bookFirstFreeTime('Second Visitor', 'second@example.com')).toBe(time);
      expect(await widget.messageOf('slot-taken')).toContain('that time was just taken');
      await expect.poll(() => widget.freeTimes.first().textContent()).not.toBe(time);
      await shot(widget.page, 'taken');
    });

    it("keeps the chosen day's times when today's, asked first, arrive after them", async () => {
      const { site } = await bookableSite(api);
      const day = bookingDay();
      // Choosing the event type asks for today's times (the day field's first value); picking the day asks again.
      // Today's answer is held back until the chosen day's has been shown.
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let heldUrl: string | undefined;
      await widget.page.route(api.graphqlUrl, async (route) => {
        const from = (route.request().postDataJSON() as { variables?: { from?: string } } | null)?.variables?.from;
        if (from && !from.startsWith(day)) {
          heldUrl = route.request().url();
          await held;
        }
        await route.continue();
      });
      await widget.open(site.url);
      await widget.chooseEventType('Intro call');
      await widget.pickDay(day);
      expect(heldUrl).toBeDefined();
      const late = widget.page.waitForResponse((response) => response.request().method() === 'POST' && response.url() === heldUrl);
      release();
      await late;
      // The late answer has been read by now (the widget's own continuation, then a frame).
      await widget.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
      expect(await widget.freeTimes.count()).toBeGreaterThan(0);
      expect(await widget.freeTimes.first().textContent()).toBe(firstFreeTime(day));
      expect(await widget.page.getByLabel('Day').inputValue()).toBe(day);
    });
  });

  describe('when several visitors book from one site', () => {
    let api: ApiStack;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(() => api.close());

    it('shows each visitor only their own bookings, and the copied key alone lists none', async () => {
      const shot = screenshots('extra-own-bookings-only');
      const { site, key } = await bookableSite(api);

      // Another visitor, in their own browser, books first.
      const otherContext = await browser.newContext({ timezoneId: VISITOR_ZONE, locale: 'en-US' });
      const other = new WidgetPage(await otherContext.newPage());
      await other.open(site.url);
      await other.chooseEventType('Intro call');
      await other.pickDay(bookingDay());
      await other.bookFirstFreeTime('Olga Other', 'olga@example.com');
      await expect.poll(() => other.yourBookings.innerText()).toContain('Olga Other');
      await otherContext.close();

      await widget.open(site.url);
      await expect.poll(() => widget.yourBookings.innerText()).toContain('None yet');
      expect(await widget.yourBookings.innerText()).not.toContain('Olga Other');
      await shot(widget.page, 'none-of-others');
      // Whoever copies the key from the page gets no booking without its access token.
      const { bookings } = await api.call(key.secret, '{ bookings { nodes { id } } }');
      expect(bookings.nodes).toEqual([]);
    });
  });

  describe('with a pk_live_ key allowed for one origin', () => {
    let api: ApiStack;
    let liveKey: { id: string; secret: string };
    let adminKey: string;
    let allowedSite: WidgetServer;

    beforeAll(async () => {
      api = await startApi();
      const org = await api.organization('LIVE');
      adminKey = org.adminKey;
      await seedBookable(api, adminKey);
      await registerWidgetDocuments(api.graphqlUrl, adminKey);
      // The site's origin is only known once it listens; the key is made for exactly that origin.
      allowedSite = await serveWidget(api, ''); // tests pass the key in the query string
      liveKey = await createPublicKey(api, adminKey, 'LIVE', [allowedSite.origin], { trustedDocumentsOnly: true });
    });
    afterAll(() => api.close());

    it('books from the allowed origin', async () => {
      const shot = screenshots('2a-pk-live-allowed');
      await widget.open(`${allowedSite.url}?key=${liveKey.secret}`);
      await widget.chooseEventType('Intro call');
      await widget.pickDay(bookingDay());
      await widget.bookFirstFreeTime('Lin Live', 'lin@example.com');
      expect(await widget.messageOf('success')).toContain('Booked: Intro call');
      await shot(widget.page, 'booked');
    });

    it('is refused when the page is copied to a site no key allows, and the page says so', async () => {
      const shot = screenshots('2b-pk-live-unknown-site');
      const copy = await serveWidget(api, liveKey.secret);
      await widget.open(copy.url);
      // The API answers that origin's preflight without CORS headers, so the browser stops the call.
      expect(await widget.messageOf('unreachable')).toContain(`this page (${copy.origin})`);
      await expect(widget.page.getByRole('button', { name: 'Intro call' }).count()).resolves.toBe(0);
      await shot(widget.page, 'refused');
    });

    it('is refused on another known site with the API reason naming that origin', async () => {
      const shot = screenshots('2c-pk-live-other-site');
      const otherSite = await serveWidget(api, liveKey.secret);
      // Another key allows the other site, so CORS lets the page read the refusal.
      await createPublicKey(api, adminKey, 'LIVE', [otherSite.origin]);
      await widget.open(otherSite.url);
      const text = await widget.messageOf('origin-refused');
      expect(text).toContain(`Booking is not enabled for this website (${otherSite.origin})`);
      expect(text).toContain(`Origin "${otherSite.origin}" is not allowed for this pk_live_ key`);
      await shot(widget.page, 'refused');
    });

    it('refuses a secret key put in the widget, telling the owner to use a public key', async () => {
      const shot = screenshots('3-secret-key');
      await widget.open(`${allowedSite.url}?key=${adminKey}`);
      const text = await widget.messageOf('secret-key');
      expect(text).toContain('must never be used in a web page');
      expect(text).toContain('Use a public key');
      await shot(widget.page, 'refused');
    });
  });

  describe('with a rate-limited pk_test_ key', () => {
    let api: ApiStack;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(() => api.close());

    it('shows the rate-limit message with when to try again', async () => {
      const shot = screenshots('5-rate-limited');
      const org = await api.organization('TEST');
      await seedBookable(api, org.adminKey);
      await registerWidgetDocuments(api.graphqlUrl, org.adminKey);
      const key = await createPublicKey(api, org.adminKey, 'TEST');
      await api.call(org.adminKey, 'mutation($id: ID!) { setApiKeyRateLimit(id: $id, limit: { requests: 2, windowSeconds: 3600 }) { id } }', {
        id: key.id,
      });
      // Another visitor has already spent the key's budget.
      for (let i = 0; i < 2; i++) await api.call(key.secret, '{ eventTypes { nodes { id } } }');

      const site = await serveWidget(api, key.secret);
      await widget.open(site.url);
      const text = await widget.messageOf('rate-limited');
      expect(text).toMatch(/Too many requests from this page right now\. Please try again in 60 minutes\./);
      await shot(widget.page, 'refused');
    });
  });
});
