/**
 * Runs async operations on one resource strictly one after another, in call order.
 *
 * The consumer records a batch while the acknowledgement of an earlier one is still compacting the
 * same log file; without this, a compaction could close the file handle under an in-flight write.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation, operation);
    // A failed operation is reported to its caller; the next one still runs.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
