import { WidgetError, type WidgetConfig } from './api.js';
import { h, replaceChildren } from './dom.js';
import { book, bookingsByIds, listEventTypes, slotsOnDay, type Booking, type EventType, type Slot } from './operations.js';
import { rememberBooking, rememberedBookingIds } from './storage.js';

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

function mount(root: HTMLElement): void {
  const config = readConfig(root);
  const message = h('div', { class: 'message', role: 'alert', 'aria-live': 'polite' });
  const eventTypeList = h('div', { class: 'choices' });
  const dayInput = h('input', { type: 'date', id: 'tessera-day', value: localDay(new Date()) });
  const slotList = h('div', { class: 'choices', 'aria-label': 'Free times' });
  const nameInput = h('input', { id: 'tessera-name', autocomplete: 'name', required: true });
  const emailInput = h('input', { id: 'tessera-email', type: 'email', autocomplete: 'email', required: true });
  const bookButton = h('button', { type: 'submit', disabled: true }, 'Book');
  const bookingList = h('ul', { class: 'bookings', 'aria-label': 'Your bookings' });

  let eventType: EventType | undefined;
  let slot: Slot | undefined;
  let idempotencyKey = crypto.randomUUID();

  const showError = (error: unknown) => {
    const known = error instanceof WidgetError ? error : new WidgetError('failed', 'Something went wrong. Please try again.');
    message.className = `message error ${known.kind}`;
    replaceChildren(message, h('strong', {}, known.message), known.detail && h('small', {}, known.detail));
  };
  const showSuccess = (text: string) => {
    message.className = 'message success';
    replaceChildren(message, text);
  };
  const clearMessage = () => {
    message.className = 'message';
    replaceChildren(message);
  };

  const choice = (label: string, pressed: boolean, onclick: () => void) =>
    h('button', { type: 'button', 'aria-pressed': String(pressed), onclick }, label);

  function renderEventTypes(eventTypes: EventType[]) {
    if (eventTypes.length === 0) return replaceChildren(eventTypeList, h('p', {}, 'Nothing can be booked here yet.'));
    replaceChildren(
      eventTypeList,
      ...eventTypes.map((candidate) =>
        choice(candidate.title, candidate.id === eventType?.id, () => {
          eventType = candidate;
          clearMessage();
          renderEventTypes(eventTypes);
          void loadSlots();
        }),
      ),
    );
  }

  function renderSlots(slots: Slot[]) {
    bookButton.disabled = !slot;
    bookButton.textContent = slot ? `Book ${slot.localStart.slice(11, 16)}` : 'Book';
    if (slots.length === 0) return replaceChildren(slotList, h('p', {}, 'No free times on this day. Try another day.'));
    replaceChildren(
      slotList,
      ...slots.map((candidate) =>
        choice(candidate.localStart.slice(11, 16), candidate.start === slot?.start, () => {
          slot = candidate;
          idempotencyKey = crypto.randomUUID();
          clearMessage();
          renderSlots(slots);
        }),
      ),
    );
  }

  async function loadSlots() {
    slot = undefined;
    bookButton.disabled = true;
    bookButton.textContent = 'Book';
    if (!eventType) return;
    replaceChildren(slotList, h('p', {}, 'Looking for free times…'));
    try {
      renderSlots(await slotsOnDay(config, eventType.id, dayInput.value, visitorTimeZone));
    } catch (error) {
      replaceChildren(slotList);
      showError(error);
    }
  }

  function renderBookings(bookings: Booking[]) {
    if (bookings.length === 0) return replaceChildren(bookingList, h('li', {}, 'None yet.'));
    replaceChildren(
      bookingList,
      ...bookings.map((booking) =>
        h('li', {}, `${booking.eventType.title}, ${formatStart(booking.startAt)}: ${booking.attendee.name} (${booking.status.toLowerCase()})`),
      ),
    );
  }

  async function loadBookings() {
    try {
      renderBookings(await bookingsByIds(config, rememberedBookingIds(config)));
    } catch (error) {
      showError(error);
    }
  }

  async function submit(event: Event) {
    event.preventDefault();
    if (!eventType || !slot) return;
    bookButton.disabled = true;
    try {
      const booking = await book(config, {
        eventTypeId: eventType.id,
        startAt: slot.start,
        name: nameInput.value,
        email: emailInput.value,
        timeZone: visitorTimeZone,
        idempotencyKey,
      });
      rememberBooking(config, booking.id);
      showSuccess(`Booked: ${booking.eventType.title} on ${formatStart(booking.startAt)} (${booking.status.toLowerCase()}).`);
      await loadSlots();
      await loadBookings();
    } catch (error) {
      showError(error);
      if (error instanceof WidgetError && error.kind === 'slot-taken') await loadSlots();
      bookButton.disabled = !slot;
    }
  }

  dayInput.addEventListener('change', () => {
    clearMessage();
    void loadSlots();
  });
  replaceChildren(
    root,
    h('h1', {}, 'Book a meeting'),
    message,
    h('section', {}, h('h2', {}, '1. Choose a meeting'), eventTypeList),
    h(
      'section',
      {},
      h('h2', {}, '2. Pick a time'),
      h('label', { for: 'tessera-day' }, 'Day '),
      dayInput,
      h('p', { class: 'zone' }, `Times are in your time zone, ${visitorTimeZone}.`),
      slotList,
    ),
    h(
      'form',
      { onsubmit: (event) => void submit(event) },
      h('h2', {}, '3. Your details'),
      h('label', { for: 'tessera-name' }, 'Name'),
      nameInput,
      h('label', { for: 'tessera-email' }, 'Email'),
      emailInput,
      bookButton,
    ),
    h('section', {}, h('h2', {}, 'Your bookings'), bookingList),
  );

  if (!config.publicKey) {
    showError(new WidgetError('invalid-key', 'No key configured: set data-public-key on the widget, or add ?key=pk_test_… to the address.'));
    return;
  }
  listEventTypes(config).then(renderEventTypes, showError);
  void loadBookings();
}

const root = document.getElementById('tessera-booking');
if (root) mount(root);
