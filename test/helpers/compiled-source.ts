/**
 * src/ compiled to JavaScript once per change of the source, for the server
 * and CLI processes the tests start (processes.ts). Each file is transformed
 * on its own by esbuild, as tsx transforms it when `npm start` loads it, so
 * the modules and their order are the same; what a process no longer pays is
 * tsx's loader, which every module (node_modules' too) goes through: about
 * 1.5 s of CPU at each start, and the suites start dozens.
 *
 * The output lives in node_modules/.cache/tessera-source/<hash of src>/src,
 * two levels below the checkout as src/ is one, with `drizzle` beside it
 * (src/db/migrate.ts finds the migrations relative to itself); packages
 * resolve from the checkout's node_modules. Made in a temporary folder and
 * renamed into place, so workers that build at once never see half of it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync, version } from 'esbuild';

let compiled: string | undefined;

/** The folder holding the compiled `src/` (built now if this source has not been). */
export function compiledSource(root: string): string {
  if (compiled) return compiled;
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .sort();
  const hash = createHash('sha256').update(version);
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(root, 'src', file))).update('\0');
  const cache = join(root, 'node_modules/.cache/tessera-source');
  const target = join(cache, hash.digest('hex').slice(0, 16));
  if (!existsSync(target)) {
    const building = `${target}.${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    buildSync({
      entryPoints: files.map((file) => join(root, 'src', file)),
      outdir: join(building, 'src'),
      outbase: join(root, 'src'),
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
    symlinkSync(join(root, 'drizzle'), join(building, 'drizzle'));
    mkdirSync(cache, { recursive: true });
    try {
      renameSync(building, target);
    } catch (error) {
      // Another worker put the same build in place first.
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(target)) throw error;
    }
    // Builds of earlier versions of the source go (one per edit would pile up).
    for (const old of readdirSync(cache)) if (join(cache, old) !== target && !old.includes('.')) rmSync(join(cache, old), { recursive: true, force: true });
  }
  compiled = target;
  return target;
}
