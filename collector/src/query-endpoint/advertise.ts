/**
 * How a running collector tells other processes on the same data directory where to send queries:
 * embedded ClickHouse locks its directory, so readers must go through the collector's endpoint.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CollectorInfo {
  pid: number;
  /** Base URL of the read-only ClickHouse-HTTP endpoint, e.g. http://127.0.0.1:40123 */
  queryEndpoint: string;
  /** Database the endpoint uses when a request names none. */
  database: string;
  startedAt: string;
}

export function collectorInfoPath(dataDir: string): string {
  return join(dataDir, 'collector.json');
}

/** Writes `<dataDir>/collector.json` atomically (readers never see half a file). */
export function writeCollectorInfo(dataDir: string, info: CollectorInfo): void {
  const path = collectorInfoPath(dataDir);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(info, null, 2) + '\n');
  renameSync(temp, path);
}

/** Removes the file if it still describes this process (a newer collector may have replaced it). */
export function removeCollectorInfo(dataDir: string, pid: number = process.pid): void {
  const info = readCollectorInfo(dataDir);
  if (info && info.pid !== pid) return;
  rmSync(collectorInfoPath(dataDir), { force: true });
}

export function readCollectorInfo(dataDir: string): CollectorInfo | undefined {
  let text: string;
  try {
    text = readFileSync(collectorInfoPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const info = JSON.parse(text) as Partial<CollectorInfo>;
    if (typeof info.pid !== 'number' || typeof info.queryEndpoint !== 'string') return undefined;
    return { pid: info.pid, queryEndpoint: info.queryEndpoint, database: info.database ?? 'spendtrace', startedAt: info.startedAt ?? '' };
  } catch {
    return undefined;
  }
}

/** The collector holding `dataDir`, if its advertised process is alive; a stale file is ignored. */
export function findRunningCollector(dataDir: string): CollectorInfo | undefined {
  const info = readCollectorInfo(dataDir);
  if (!info) return undefined;
  return isAlive(info.pid) ? info : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
