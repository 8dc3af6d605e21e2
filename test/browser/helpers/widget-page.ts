import type { Locator, Page } from 'playwright-core';

/** The booking widget as a visitor sees it: found by roles and labels, like a person would. */
export class WidgetPage {
  constructor(readonly page: Page) {}

  get message(): Locator {
    return this.page.getByRole('alert');
  }

  get freeTimes(): Locator {
    return this.page.getByLabel('Free times').getByRole('button');
  }

  get yourBookings(): Locator {
    return this.page.getByRole('list', { name: 'Your bookings' });
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.getByRole('heading', { name: 'Book a meeting' }).waitFor();
  }

  async chooseEventType(title: string): Promise<void> {
    await this.page.getByRole('button', { name: title }).click();
  }

  /** Picks a day (YYYY-MM-DD) and waits until its free times are shown. */
  async pickDay(day: string): Promise<void> {
    await this.page.getByLabel('Day').fill(day);
    await this.freeTimes.first().waitFor();
  }

  async bookFirstFreeTime(name: string, email: string): Promise<string> {
    const time = (await this.freeTimes.first().textContent())!;
    await this.freeTimes.first().click();
    await this.page.getByLabel('Name').fill(name);
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByRole('button', { name: `Book ${time}` }).click();
    return time;
  }

  /** Waits for a message of the given kind (success, or an error kind such as rate-limited). */
  async messageOf(kind: string): Promise<string> {
    const message = this.page.locator(`.message.${kind}`);
    try {
      await message.waitFor({ timeout: 15_000 });
    } catch {
      const shown = this.page.locator('.message');
      throw new Error(`expected a "${kind}" message; the page shows [${await shown.getAttribute('class')}] "${await shown.innerText()}"`);
    }
    return (await message.innerText()).trim();
  }
}
