import type { Locator, Page } from 'playwright-core';

/**
 * GraphiQL driven like an admin would: type into the Headers editor, press
 * the run button, read the result pane. Its editors are Monaco, so text is
 * typed as keystrokes and read from the rendered lines.
 */
export class GraphiQLPage {
  constructor(
    readonly page: Page,
    private readonly graphqlUrl: string,
  ) {}

  /** Opens GraphiQL, optionally with a document in the address (`?query=`), as a shared link would. */
  async open(document?: string): Promise<void> {
    await this.page.goto(document ? `${this.graphqlUrl}?query=${encodeURIComponent(document)}` : this.graphqlUrl);
    await this.headerLine.waitFor();
  }

  get operationEditor(): Locator {
    return this.page.getByLabel('Operation Editor');
  }

  private get headerLine(): Locator {
    return this.page.getByLabel('Headers').locator('.view-line', { hasText: 'Bearer' });
  }

  /** Types the key into the prefilled `"Authorization": "Bearer "`, between "Bearer " and the closing quote. */
  async useKey(key: string): Promise<void> {
    await this.headerLine.click();
    await this.page.keyboard.press('End');
    await this.page.keyboard.press('ArrowLeft');
    await this.page.keyboard.type(key);
  }

  /** Runs one operation; with several in the document, picks it from the run button's menu. */
  async run(operationName?: string): Promise<void> {
    await this.page.getByLabel('Execute query (Ctrl-Enter)').click();
    if (operationName) await this.page.getByRole('menuitem', { name: operationName }).click();
  }

  /** The Documentation Explorer's text once it shows the schema's root types (it fails if the schema never loads). */
  async documentation(): Promise<string> {
    await this.page.getByLabel('Show Documentation Explorer').click();
    const explorer = this.page.locator('.graphiql-doc-explorer');
    await explorer.getByText('Root Types').waitFor({ timeout: 15_000 });
    return explorer.innerText();
  }

  /** The result pane's text once it contains `expected`, with Monaco's non-breaking spaces undone. */
  async resultContaining(expected: string): Promise<string> {
    const pane = this.page.getByLabel('Result Window');
    const read = async () => (await pane.innerText()).replace(/\u00a0/g, ' ');
    try {
      await this.page.waitForFunction(
        (text) => (document.querySelector('[aria-label="Result Window"]') as HTMLElement | null)?.innerText.replace(/\u00a0/g, ' ').includes(text),
        expected,
        { timeout: 15_000 },
      );
    } catch {
      throw new Error(`the result pane never showed ${JSON.stringify(expected)}; it shows:\n${await read()}`);
    }
    return read();
  }
}
