/**
 * Loads the webhook signature check exactly as the README shows it (the code
 * between the `webhook-signature-recipe` markers), so tests prove the
 * documented recipe works rather than a copy of it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export type VerifySignature = (rawBody: string, header: string, secret: string, toleranceSeconds?: number, now?: number) => boolean;

export async function loadSignatureRecipe(): Promise<VerifySignature> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /<!-- webhook-signature-recipe:start -->\s*```js\n([\s\S]*?)```\s*<!-- webhook-signature-recipe:end -->/.exec(readme);
  if (!section) throw new Error('README.md has no webhook-signature-recipe block');
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-recipe-')), 'verify.mjs');
  writeFileSync(file, section[1]!);
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { verifyTesseraSignature: VerifySignature };
  return module.verifyTesseraSignature;
}
