/**
 * Repeats `batch` (a statement touching at most `batchSize` rows, returning
 * how many it touched) until one touches fewer. Each batch is a statement of
 * its own, so a large clean-up never holds many row locks, or one long
 * transaction, at once. Returns the total.
 */
export async function inBatches(batchSize: number, batch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const touched = await batch(batchSize);
    total += touched;
    if (touched < batchSize) return total;
  }
}
