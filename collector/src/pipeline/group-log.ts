import { open, rename, writeFile, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Serial } from './serial.ts';

/**
 * Where each batch the consumer exported ends in the queue, persisted before the export.
 *
 * Why: the ClickHouse exporter makes inserts idempotent by a token derived from the exact rows, so a
 * batch replayed after a crash is only recognised if it is made of the same queue records as the
 * first time. How many records one `read` returns depends on timing; this log makes the replay cut
 * its batches at the same positions. Entries at or before the acknowledged position are pruned.
 */
export class GroupLog {
  private readonly path: string;
  private handle: FileHandle | null = null;
  private readonly serial = new Serial();
  private ends: number[] = [];
  private readonly sync: boolean;

  private constructor(path: string, ends: number[], sync: boolean) {
    this.path = path;
    this.ends = ends;
    this.sync = sync;
  }

  static async open(path: string, options: { sync?: boolean } = {}): Promise<GroupLog> {
    let ends: number[] = [];
    try {
      const text = await readFile(path, 'utf8');
      // A torn last line (crash mid-append) has no newline and is ignored: its export never started.
      const lines = text.split('\n');
      lines.pop();
      ends = lines.map(Number).filter((n) => Number.isSafeInteger(n) && n >= 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const log = new GroupLog(path, ends, options.sync ?? true);
    await log.rewrite();
    return log;
  }

  /** Batch end positions recorded before a crash, oldest first: replay cuts batches at these. */
  pendingEnds(): readonly number[] {
    return this.ends;
  }

  record(end: number): Promise<void> {
    return this.serial.run(() => this.recordNow(end));
  }

  private async recordNow(end: number): Promise<void> {
    if (this.ends.length > 0 && end <= this.ends[this.ends.length - 1]!) return;
    this.ends.push(end);
    this.handle ??= await open(this.path, 'a');
    await this.handle.write(`${end}\n`);
    if (this.sync) await this.handle.datasync();
  }

  /** Forgets batches the queue has acknowledged. */
  acknowledged(position: number): Promise<void> {
    return this.serial.run(() => this.acknowledgedNow(position));
  }

  private async acknowledgedNow(position: number): Promise<void> {
    const before = this.ends.length;
    this.ends = this.ends.filter((e) => e > position);
    if (this.ends.length !== before) await this.rewrite();
  }

  private async rewrite(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, this.ends.map((e) => `${e}\n`).join(''));
    await rename(tmp, this.path);
  }

  close(): Promise<void> {
    return this.serial.run(() => this.closeNow());
  }

  private async closeNow(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}
