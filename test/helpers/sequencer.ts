/**
 * The order npm test hands files to its workers. On two cores the run is as long as its CPU allows,
 * plus whatever is left running alone at the end: so the projects whose files mostly wait (on
 * Chromium, on processes they stop and start, on Redis) go
 * first, the heaviest files of each project before its light ones, and the many short unit files
 * last, to fill the gaps. vitest's own order is by project name, then (on a fresh clone, with no
 * timings cached) by file size: it left a 15 s file of the redis project running alone at the end.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Earlier first; a project not named here goes before `unit`, in name order. */
const PROJECT_ORDER = ['browser', 'chaos', 'redis', 'pglite', 'postgres', 'pgbouncer', 'clients'];

/** Files that take 10 s or more (mostly processes started and waited on): each first in its project. */
const HEAVY_FILES = [
  'integration/embedded-owner.test.ts',
  'integration/first-start.test.ts',
  'integration/test-tiers.test.ts',
  'integration/server-lifecycle.test.ts',
  'security/tenant-starvation.test.ts',
  'security/input-fuzz.test.ts',
  'integration/audit.test.ts',
  'redis/two-instances.test.ts',
  'chaos/database-outage.test.ts',
  'chaos/webhook-crash.test.ts',
  'browser/widget.test.ts',
];

const projectRank = (spec: TestSpecification) => {
  const rank = PROJECT_ORDER.indexOf(spec.project.name);
  return rank === -1 ? (spec.project.name === 'unit' ? PROJECT_ORDER.length + 1 : PROJECT_ORDER.length) : rank;
};

const heavyRank = (spec: TestSpecification) => {
  const rank = HEAVY_FILES.findIndex((file) => spec.moduleId.endsWith(`/test/${file}`));
  return rank === -1 ? HEAVY_FILES.length : rank;
};

export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const byVitest = await super.sort(files);
    const position = new Map(byVitest.map((spec, index) => [spec, index]));
    return [...byVitest].sort(
      (a, b) =>
        projectRank(a) - projectRank(b) ||
        (a.project.name === b.project.name ? 0 : a.project.name < b.project.name ? -1 : 1) ||
        heavyRank(a) - heavyRank(b) ||
        position.get(a)! - position.get(b)!,
    );
  }
}
