import { open, readFile, rename, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Serial } from './serial.ts';

/** A trace whose workflow rows were exported: how many revisions, and the queue position they cover. */
export interface ExportedWorkflow {
  revisions: number;
  /** Every span counted in those rows came from queue records before this position. */
  position: number;
}

/**
 * The workflow rows exported since the last queue acknowledgement, persisted after each export.
 *
 * Why: queue records stay unacknowledged while an older trace is still open, so a crash can replay
 * spans of traces whose rows were already written. With this log the workflow processor recognises
 * those spans on replay and does not count them a second time. Spans of the same trace from later
 * records still add delta rows, numbered after the ones already written.
 */
export class WorkflowLog {
  private readonly path: string;
  private readonly sync: boolean;
  private entries = new Map<string, ExportedWorkflow>();
  private handle: FileHandle | null = null;
  private readonly serial = new Serial();

  private constructor(path: string, sync: boolean) {
    this.path = path;
    this.sync = sync;
  }

  static async open(path: string, options: { sync?: boolean } = {}): Promise<WorkflowLog> {
    const log = new WorkflowLog(path, options.sync ?? true);
    try {
      const lines = (await readFile(path, 'utf8')).split('\n');
      lines.pop(); // a torn last line has no newline; its rows are treated as not written
      for (const line of lines) {
        const [traceId, revisions, position] = line.split(' ');
        const r = Number(revisions);
        const p = Number(position);
        if (traceId && /^[0-9a-f]{32}$/.test(traceId) && Number.isSafeInteger(r) && Number.isSafeInteger(p)) log.entries.set(traceId, { revisions: r, position: p });
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await log.rewrite();
    return log;
  }

  /** What the previous run exported and had not acknowledged yet. */
  exported(): ReadonlyMap<string, ExportedWorkflow> {
    return this.entries;
  }

  record(rows: readonly { traceId: string; revision: number }[], position: number): Promise<void> {
    return this.serial.run(() => this.recordNow(rows, position));
  }

  private async recordNow(rows: readonly { traceId: string; revision: number }[], position: number): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    for (const row of rows) {
      const entry = { revisions: row.revision + 1, position };
      this.entries.set(row.traceId, entry);
      text += `${row.traceId} ${entry.revisions} ${position}\n`;
    }
    this.handle ??= await open(this.path, 'a');
    await this.handle.write(text);
    if (this.sync) await this.handle.datasync();
  }

  /** Forgets traces all of whose counted spans are in acknowledged records (they are never replayed). */
  acknowledged(position: number): Promise<void> {
    return this.serial.run(() => this.acknowledgedNow(position));
  }

  private async acknowledgedNow(position: number): Promise<void> {
    let removed = false;
    for (const [traceId, entry] of this.entries) {
      if (entry.position <= position) {
        this.entries.delete(traceId);
        removed = true;
      }
    }
    if (removed) await this.rewrite();
  }

  private async rewrite(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    const tmp = `${this.path}.tmp`;
    let text = '';
    for (const [traceId, e] of this.entries) text += `${traceId} ${e.revisions} ${e.position}\n`;
    await writeFile(tmp, text);
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
