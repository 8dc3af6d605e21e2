/**
 * The README's end-to-end walkthrough, run as written: every GraphQL block
 * between the `end-to-end` markers, in order, each step's ids fed to the next,
 * with a real webhook receiver checking the signatures with the README recipe.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { describeIntegration } from '../helpers/integration.js';
import { LocalServer } from '../helpers/local-server.js';
import { loadSignatureRecipe } from '../helpers/signature-recipe.js';

function walkthroughOperations(): string[] {
  const readme = readFileSync(new URL('../../docs/booking-domain.md', import.meta.url), 'utf8');
  const section = /<!-- end-to-end:start -->([\s\S]*?)<!-- end-to-end:end -->/.exec(readme);
  if (!section) throw new Error('docs/booking-domain.md has no end-to-end section');
  return [...section[1]!.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

describeIntegration('README end-to-end walkthrough', (harness) => {
  let receiver: LocalServer;

  beforeAll(async () => {
    // A Monday morning in London, so the host's Tuesday is wholly ahead.
    harness.clock = new Date('2030-01-07T08:00:00Z');
    receiver = await LocalServer.start();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('publishes, shows availability, books, cancels and delivers both signed webhooks', async () => {
    const { adminKey } = await harness.organization('TEST');
    const operations = walkthroughOperations();
    expect(operations.map((operation) => /(?:query|mutation) (\w+)/.exec(operation)?.[1])).toEqual([
      'AddHost',
      'PublishEventType',
      'SubscribeToBookings',
      'OpenSlots',
      'Book',
      'Cancel',
    ]);

    const variables: Record<string, unknown> = {
      url: `http://127.0.0.1:${receiver.port}/tessera`,
      from: '2030-01-08T00:00:00Z',
      to: '2030-01-09T00:00:00Z',
    };
    const results: Record<string, any>[] = [];
    for (const query of operations) {
      const response = await harness.request(query, { key: adminKey, variables });
      expect(response.body.errors, query).toBeUndefined();
      results.push(response.body.data!);
      const data = response.body.data!;
      if (data.createTeamMember) variables.hostId = data.createTeamMember.id;
      if (data.createEventType) variables.eventTypeId = data.createEventType.id;
      if (data.availability) variables.startAt = data.availability[0].start;
      if (data.createBooking) variables.bookingId = data.createBooking.id;
      harness.advance(60_000);
    }

    const [, published, subscribed, slots, booked, cancelled] = results;
    expect(published!.createEventType.hosts).toEqual([{ id: variables.hostId, name: 'Ada Lovelace' }]);
    // Tuesday 09:00 in London is the first slot; the visitor sees it as 04:00 in New York.
    expect(slots!.availability[0]).toEqual({
      start: '2030-01-08T09:00:00.000Z',
      localStart: expect.stringMatching(/^2030-01-08T04:00:00(\.000)?-05:00$/),
      availableHosts: [variables.hostId],
    });
    expect(booked!.createBooking).toMatchObject({ status: 'PENDING', startAt: '2030-01-08T09:00:00.000Z', host: { id: variables.hostId } });
    expect(cancelled!.cancelBooking).toMatchObject({ status: 'CANCELLED', cancellationReason: 'Moving to next week' });

    const verify = await loadSignatureRecipe();
    await eventually(
      async () => {
        await harness.app.webhooks.deliverDueWebhooks();
        return receiver.received.length >= 2;
      },
      10_000,
      'both webhook deliveries',
    );
    expect(receiver.received).toHaveLength(2);
    const secret = subscribed!.createWebhook.secret as string;
    const deliveries = receiver.received.map((request) => {
      const signature = request.headers['tessera-signature'] as string;
      expect(verify(request.body, signature, secret, 300, harness.clock.getTime())).toBe(true);
      return JSON.parse(request.body) as { type: string; data: { booking: { id: string; status: string } } };
    });
    // Deliveries run in parallel, so arrival order is not part of the contract.
    const received = deliveries.map((delivery) => [delivery.type, delivery.data.booking.id, delivery.data.booking.status]);
    expect(received.sort()).toEqual([
      ['booking.cancelled', variables.bookingId, 'CANCELLED'],
      ['booking.created', variables.bookingId, 'PENDING'],
    ]);
  });
});
