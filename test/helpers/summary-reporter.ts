import type { Reporter, SerializedError, TestModule, TestRunEndReason, TestSuite } from 'vitest/node';

/**
 * Prints `tests: N passed, N failed, N skipped` alone on the last line of a
 * run; CI judges the run by it.
 *
 * Counts are of test cases (todo counts as skipped), but a failed run never
 * reads "0 failed": a file or suite that failed with no failed test in it (an
 * import error, a throwing hook) counts as one failure, as does each unhandled
 * error, unfinished tests count as failed, and a run that failed before any
 * test ran (a globalSetup error) reports 1 failed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    let passed = 0;
    let skipped = 0;
    let failed = unhandledErrors.length;

    for (const testModule of testModules) {
      for (const testCase of testModule.children.allTests()) {
        const { state } = testCase.result();
        if (state === 'passed') passed += 1;
        else if (state === 'skipped') skipped += 1;
      }
      failed += failures(testModule);
    }
    if (reason !== 'passed' && failed === 0) failed = 1;

    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

/** Failed or unfinished tests, or 1 if the module or suite failed only in a hook or at import. */
function failures(node: TestModule | TestSuite): number {
  let count = 0;
  for (const child of node.children.array()) {
    if (child.type === 'suite') count += failures(child);
    else if (!['passed', 'skipped'].includes(child.result().state)) count += 1;
  }
  return count === 0 && node.state() === 'failed' ? 1 : count;
}
