import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { createEmbeddedClient, niceEmbeddedThreads, NODE_THREAD_NAMES } from '../src/index.ts';

let dir: string;
let client: ClickHouseClient;

/** Every thread of this process: its name and nice value. */
function threads(): Array<{ tid: number; name: string; nice: number }> {
  return readdirSync('/proc/self/task').map((entry) => ({
    tid: Number(entry),
    name: readFileSync(`/proc/self/task/${entry}/comm`, 'utf8').trimEnd(),
    nice: getPriority(Number(entry)),
  }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spendtrace-nice-'));
  client = createEmbeddedClient(dir);
  // A query that makes ClickHouse start its query and background pools.
  await client.command({ query: 'CREATE TABLE t (n UInt64) ENGINE = MergeTree ORDER BY n' });
  await client.command({ query: 'INSERT INTO t SELECT number FROM numbers(100000)' });
});

afterAll(async () => {
  await client?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.platform === 'linux')('embedded ClickHouse thread priority', () => {
  it("raises the nice value of ClickHouse's threads only, once", () => {
    const before = threads();
    const own = before.filter((t) => t.tid === process.pid || NODE_THREAD_NAMES.has(t.name));
    const clickHouse = before.filter((t) => !own.includes(t));
    expect(clickHouse.length).toBeGreaterThan(0);
    expect(clickHouse.filter((t) => t.nice < 7).length).toBeGreaterThan(0);

    const changed = niceEmbeddedThreads(7);

    // ClickHouse may start or end a thread meanwhile: compare the threads seen both times.
    const after = new Map(threads().map((t) => [t.tid, t.nice]));
    const raised = clickHouse.filter((t) => after.has(t.tid) && t.nice < 7).length;
    const started = [...after.keys()].filter((tid) => !before.some((t) => t.tid === tid)).length;
    expect(changed).toBeGreaterThanOrEqual(raised);
    expect(changed).toBeLessThanOrEqual(raised + started);
    for (const t of clickHouse.filter((t) => after.has(t.tid))) expect([t.name, after.get(t.tid)]).toEqual([t.name, Math.max(7, t.nice)]);
    for (const t of own) expect([t.name, after.get(t.tid)]).toEqual([t.name, t.nice]);
    // Already at 7: nothing more to do, and a lower value never lowers a nice value back.
    expect(niceEmbeddedThreads(7)).toBe(0);
    expect(niceEmbeddedThreads(3)).toBe(0);
  });

  it('leaves every thread alone at 0 and refuses values Linux does not have', () => {
    const before = threads();
    expect(niceEmbeddedThreads(0)).toBe(0);
    const after = new Map(threads().map((t) => [t.tid, t.nice]));
    for (const t of before.filter((t) => after.has(t.tid))) expect([t.name, after.get(t.tid)]).toEqual([t.name, t.nice]);
    expect(() => niceEmbeddedThreads(20)).toThrow(new RangeError('nice must be an integer from 0 to 19, got 20'));
    expect(() => niceEmbeddedThreads(-1)).toThrow(new RangeError('nice must be an integer from 0 to 19, got -1'));
    expect(() => niceEmbeddedThreads(2.5)).toThrow(new RangeError('nice must be an integer from 0 to 19, got 2.5'));
  });
});
