import { WidgetError, type WidgetConfig } from './api.js';
import { h, replaceChildren } from './dom.js';
import { book, bookingsByTokens, listEventTypes, slotsOnDay, type Booking, type EventType, type Slot } from './operations.js';
import { rememberBooking, rememberedBookings } from './storage.js';
import { choiceButton, renderLayout, type WidgetView } from './view.js';

/**
 * The booking widget: choose a meeting, a day and a time, leave a name and
 * email, book. Mounts into `#tessera-booking`, configured by its data
 * attributes (`data-api-url`, `data-public-key`) or, for trying keys out, the
 * query string (`?api=…&key=…`).
 */

const visitorTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

function readConfig(root: HTMLElement): WidgetConfig {
  const query = new URLSearchParams(location.search);
  return {
    apiUrl: query.get('api') || root.dataset.apiUrl || 'http://localhost:4000/graphql',
    publicKey: query.get('key') || root.dataset.publicKey || '',
  };
}

function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const formatStart = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: visitorTimeZone }).format(new Date(iso));

/** "HH:MM" of a slot, as the API expressed it in the visitor's zone. */
const clockTime = (slot: Slot) => slot.localStart.slice(11, 16);

class BookingWidget {
  private eventTypes: EventType[] = [];
  private eventType: EventType | undefined;
  private slots: Slot[] = [];
  private slot: Slot | undefined;
  /**
   * Which call of loadSlots is the latest: choosing an event type and then a day starts two, and the
   * first to be asked can be the last to answer. Only the latest one's answer is shown (an earlier one
   * arriving late would replace the chosen day's times, under the visitor's pointer, with another day's).
   */
  private slotLoads = 0;
  /** One per chosen slot: resubmitting the same choice can never book twice. */
  private idempotencyKey = crypto.randomUUID();

  constructor(
    private readonly config: WidgetConfig,
    private readonly view: WidgetView,
  ) {
    view.dayInput.addEventListener('change', () => {
      view.message.clear();
      void this.loadSlots();
    });
    view.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  start(): void {
    if (!this.config.publicKey) {
      this.view.message.error(
        new WidgetError('invalid-key', 'No key configured: set data-public-key on the widget, or add ?key=pk_test_… to the address.'),
      );
      return;
    }
    listEventTypes(this.config).then(
      (eventTypes) => {
        this.eventTypes = eventTypes;
        this.renderEventTypes();
      },
      (error: unknown) => this.view.message.error(error),
    );
    void this.loadBookings();
  }

  private renderEventTypes(): void {
    const { eventTypeList } = this.view;
    if (this.eventTypes.length === 0) return replaceChildren(eventTypeList, h('p', {}, 'Nothing can be booked here yet.'));
    replaceChildren(
      eventTypeList,
      ...this.eventTypes.map((candidate) =>
        choiceButton(candidate.title, candidate.id === this.eventType?.id, () => {
          this.eventType = candidate;
          this.view.message.clear();
          this.renderEventTypes();
          void this.loadSlots();
        }),
      ),
    );
  }

  private renderSlots(): void {
    const { slotList, bookButton } = this.view;
    bookButton.disabled = !this.slot;
    bookButton.textContent = this.slot ? `Book ${clockTime(this.slot)}` : 'Book';
    if (this.slots.length === 0) return replaceChildren(slotList, h('p', {}, 'No free times on this day. Try another day.'));
    replaceChildren(
      slotList,
      ...this.slots.map((candidate) =>
        choiceButton(clockTime(candidate), candidate.start === this.slot?.start, () => {
          this.slot = candidate;
          this.idempotencyKey = crypto.randomUUID();
          this.view.message.clear();
          this.renderSlots();
        }),
      ),
    );
  }

  private async loadSlots(): Promise<void> {
    const load = ++this.slotLoads;
    this.slot = undefined;
    this.slots = [];
    this.view.bookButton.disabled = true;
    this.view.bookButton.textContent = 'Book';
    if (!this.eventType) return;
    replaceChildren(this.view.slotList, h('p', {}, 'Looking for free times…'));
    try {
      const slots = await slotsOnDay(this.config, this.eventType.id, this.view.dayInput.value, visitorTimeZone);
      if (load !== this.slotLoads) return;
      this.slots = slots;
      this.renderSlots();
    } catch (error) {
      if (load !== this.slotLoads) return;
      replaceChildren(this.view.slotList);
      this.view.message.error(error);
    }
  }

  private renderBookings(bookings: Booking[]): void {
    const { bookingList } = this.view;
    if (bookings.length === 0) return replaceChildren(bookingList, h('li', {}, 'None yet.'));
    replaceChildren(
      bookingList,
      ...bookings.map((booking) =>
        h('li', {}, `${booking.eventType.title}, ${formatStart(booking.startAt)}: ${booking.attendee.name} (${booking.status.toLowerCase()})`),
      ),
    );
  }

  private async loadBookings(): Promise<void> {
    try {
      const tokens = rememberedBookings(this.config).map((booking) => booking.accessToken);
      this.renderBookings(await bookingsByTokens(this.config, tokens));
    } catch (error) {
      this.view.message.error(error);
    }
  }

  private async submit(): Promise<void> {
    const { eventType, slot, view } = this;
    if (!eventType || !slot) return;
    view.bookButton.disabled = true;
    try {
      const booking = await book(this.config, {
        eventTypeId: eventType.id,
        startAt: slot.start,
        name: view.nameInput.value,
        email: view.emailInput.value,
        timeZone: visitorTimeZone,
        idempotencyKey: this.idempotencyKey,
      });
      // A replayed request (same idempotency key) gets no token; the first answer already stored it.
      if (booking.accessToken) rememberBooking(this.config, { id: booking.id, accessToken: booking.accessToken });
      view.message.success(`Booked: ${booking.eventType.title} on ${formatStart(booking.startAt)} (${booking.status.toLowerCase()}).`);
      await this.loadSlots();
      await this.loadBookings();
    } catch (error) {
      view.message.error(error);
      if (error instanceof WidgetError && error.kind === 'slot-taken') await this.loadSlots();
      view.bookButton.disabled = !this.slot;
    }
  }
}

const root = document.getElementById('tessera-booking');
if (root) new BookingWidget(readConfig(root), renderLayout(root, localDay(new Date()), visitorTimeZone)).start();
