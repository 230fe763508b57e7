/**
 * CPU time of a process by the threads that spent it, read from /proc (Linux). Thread names tell
 * the parts of a collector apart: Node's JavaScript thread, V8's garbage-collector helpers,
 * embedded ClickHouse's query and merge pools and libuv's I/O pool.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (user + system) of `/proc/<path>/stat`: a process (all its threads) or one thread. */
export function cpuSecondsOf(path: string): number {
  const fields = readFileSync(`/proc/${path}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Which part of the process a thread belongs to, from the name it runs under. */
export function threadGroup(name: string): string {
  if (name === 'MainThread' || name === 'node') return 'JavaScript';
  if (name.startsWith('V8Worker')) return 'V8 GC';
  if (name.startsWith('MergeMutate')) return 'ClickHouse merges';
  if (name.startsWith('libuv-worker')) return 'libuv I/O';
  return 'ClickHouse queries';
}

/** CPU seconds per thread group of process `pid` (or 'self') so far. */
export function cpuByGroup(pid: number | 'self'): Map<string, number> {
  const groups = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const group = threadGroup(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
      groups.set(group, (groups.get(group) ?? 0) + cpuSecondsOf(`${pid}/task/${tid}`));
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return groups;
}

/** What each group spent between two readings, largest first. */
export function cpuSince(before: Map<string, number>, after: Map<string, number>): Array<readonly [string, number]> {
  return [...after].map(([group, seconds]) => [group, seconds - (before.get(group) ?? 0)] as const).sort((a, b) => b[1] - a[1]);
}
