import { WidgetError } from './api.js';
import { h, replaceChildren } from './dom.js';

/** The widget's fixed layout; main.ts fills the lists and reacts to input. */
export type WidgetView = {
  message: MessageBox;
  eventTypeList: HTMLElement;
  dayInput: HTMLInputElement;
  slotList: HTMLElement;
  form: HTMLFormElement;
  nameInput: HTMLInputElement;
  emailInput: HTMLInputElement;
  bookButton: HTMLButtonElement;
  bookingList: HTMLUListElement;
};

/** One line above the steps: what just happened, or what went wrong in words. */
export class MessageBox {
  readonly element = h('div', { class: 'message', role: 'alert', 'aria-live': 'polite' });

  error(error: unknown): void {
    const known = error instanceof WidgetError ? error : new WidgetError('failed', 'Something went wrong. Please try again.');
    // The kind is a class, so styles (and tests) can tell a rate limit from a refused origin.
    this.element.className = `message error ${known.kind}`;
    replaceChildren(this.element, h('strong', {}, known.message), known.detail && h('small', {}, known.detail));
  }

  success(text: string): void {
    this.element.className = 'message success';
    replaceChildren(this.element, text);
  }

  clear(): void {
    this.element.className = 'message';
    replaceChildren(this.element);
  }
}

/** A toggle among choices (an event type, a time), announced as pressed when chosen. */
export const choiceButton = (label: string, pressed: boolean, onclick: () => void) =>
  h('button', { type: 'button', 'aria-pressed': String(pressed), onclick }, label);

export function renderLayout(root: HTMLElement, today: string, timeZone: string): WidgetView {
  const view: WidgetView = {
    message: new MessageBox(),
    eventTypeList: h('div', { class: 'choices' }),
    dayInput: h('input', { type: 'date', id: 'tessera-day', value: today }),
    slotList: h('div', { class: 'choices', 'aria-label': 'Free times' }),
    form: h('form'),
    nameInput: h('input', { id: 'tessera-name', autocomplete: 'name', required: true }),
    emailInput: h('input', { id: 'tessera-email', type: 'email', autocomplete: 'email', required: true }),
    bookButton: h('button', { type: 'submit', disabled: true }, 'Book'),
    bookingList: h('ul', { class: 'bookings', 'aria-label': 'Your bookings' }),
  };
  replaceChildren(
    view.form,
    h('h2', {}, '3. Your details'),
    h('label', { for: 'tessera-name' }, 'Name'),
    view.nameInput,
    h('label', { for: 'tessera-email' }, 'Email'),
    view.emailInput,
    view.bookButton,
  );
  replaceChildren(
    root,
    h('h1', {}, 'Book a meeting'),
    view.message.element,
    h('section', {}, h('h2', {}, '1. Choose a meeting'), view.eventTypeList),
    h(
      'section',
      {},
      h('h2', {}, '2. Pick a time'),
      h('label', { for: 'tessera-day' }, 'Day '),
      view.dayInput,
      h('p', { class: 'zone' }, `Times are in your time zone, ${timeZone}.`),
      view.slotList,
    ),
    view.form,
    h('section', {}, h('h2', {}, 'Your bookings'), view.bookingList),
  );
  return view;
}
