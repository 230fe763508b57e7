/**
 * CPU priority of embedded ClickHouse's threads, relative to Node's own threads in the process.
 *
 * Embedded ClickHouse runs its inserts, merges and queries on threads of the host process. On a
 * machine with few cores they compete with the JavaScript thread for the same CPUs, and Linux's
 * scheduler treats them alike: the JavaScript thread, which receives and processes every request,
 * then waits for a core behind background merges. ClickHouse has settings for this
 * (`os_threads_nice_value_merge_mutate`, `os_threads_nice_value_query`), but it applies them only
 * with CAP_SYS_NICE, which a collector run by a user does not have. Raising a thread's nice value
 * needs no privilege, so the process does it itself: ClickHouse's threads get a higher nice value
 * and run whenever a core is free, and the JavaScript thread goes first when none is.
 *
 * Linux only (threads are listed in /proc/self/task and told apart by name); elsewhere nothing is
 * changed. ClickHouse starts threads as it needs them and a new thread inherits the nice value of
 * the thread that starts it, which is often Node's, so the threads are looked at again from time to
 * time (`keepEmbeddedThreadsNiced`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Names Node gives its own threads besides the JavaScript thread: V8's platform and GC helpers,
 * libuv's pool, worker threads.
 */
export const NODE_THREAD_NAMES: ReadonlySet<string> = new Set(['DelayedTaskSche', 'V8Worker', 'SignalInspector', 'libuv-worker', 'WorkerThread']);

/** The highest nice value Linux allows: the lowest priority. */
export const MAX_NICE = 19;

/**
 * Gives every thread of this process that is not Node's (neither the JavaScript thread nor one of
 * the names above) at least `nice`. Returns how many threads it changed.
 */
export function niceEmbeddedThreads(nice: number): number {
  if (!Number.isInteger(nice) || nice < 0 || nice > MAX_NICE) throw new RangeError(`nice must be an integer from 0 to ${MAX_NICE}, got ${nice}`);
  if (process.platform !== 'linux' || nice === 0) return 0;
  let changed = 0;
  for (const entry of readdirSync('/proc/self/task')) {
    const tid = Number(entry);
    if (tid === process.pid) continue;
    try {
      if (NODE_THREAD_NAMES.has(readFileSync(`/proc/self/task/${entry}/comm`, 'utf8').trimEnd())) continue;
      if (getPriority(tid) >= nice) continue;
      setPriority(tid, nice);
      changed++;
    } catch {
      // The thread ended between the listing and now.
    }
  }
  return changed;
}

/**
 * Applies `niceEmbeddedThreads(nice)` now and every `intervalMs` after, on a timer that does not
 * keep the process alive. Returns the function that stops it.
 */
export function keepEmbeddedThreadsNiced(nice: number, intervalMs = 1000): () => void {
  niceEmbeddedThreads(nice);
  if (process.platform !== 'linux' || nice === 0) return () => undefined;
  const timer = setInterval(() => niceEmbeddedThreads(nice), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
