import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createEmbeddedClient, hasQuerySetting } from '../src/index.ts';

let dir: string;
let client: ClickHouseClient;
const staging = () => join(dir, 'user_files', 'spendtrace-insert');

/** A Native block with one UInt64 column `n` holding `values` and one String column `s`. */
function nativeBlock(values: number[], strings: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([2, values.length])];
  const name = (text: string) => Buffer.concat([Buffer.from([Buffer.byteLength(text)]), Buffer.from(text)]);
  parts.push(name('n'), name('UInt64'));
  for (const v of values) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    parts.push(b);
  }
  parts.push(name('s'), name('String'));
  for (const s of strings) parts.push(name(s));
  return Buffer.concat(parts);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spendtrace-embedded-'));
  client = createEmbeddedClient(dir);
  await client.command({ query: 'CREATE TABLE default.t (n UInt64, s LowCardinality(String)) ENGINE = MergeTree ORDER BY n SETTINGS non_replicated_deduplication_window = 100' });
});

afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded ClickHouse connection', () => {
  it('takes INSERT ... FORMAT Native with a binary body, as a server does, and leaves no staged file', async () => {
    const result = await client.exec({
      query: "INSERT INTO default.t (n, s) SETTINGS insert_deduplication_token = 'a' FORMAT Native",
      values: Readable.from([nativeBlock([1, 2], ['ünï', "it's\ttab"]), nativeBlock([3], ['🚀'])]),
    });
    result.stream.resume();
    const rows = await (await client.query({ query: 'SELECT n, s FROM default.t ORDER BY n', format: 'JSONEachRow' })).json();
    expect(rows).toEqual([
      { n: 1, s: 'ünï' },
      { n: 2, s: "it's\ttab" },
      { n: 3, s: '🚀' },
    ]);
    expect(readdirSync(staging())).toEqual([]);
  });

  it('deduplicates a repeated binary insert by its token', async () => {
    for (let i = 0; i < 2; i++) {
      const result = await client.exec({
        query: "INSERT INTO default.t (n, s) SETTINGS insert_deduplication_token = 'b' FORMAT Native",
        values: Readable.from([nativeBlock([10], ['x'])]),
      });
      result.stream.resume();
    }
    expect(await (await client.query({ query: 'SELECT count() AS c FROM default.t WHERE n = 10', format: 'JSONEachRow' })).json()).toEqual([{ c: 1 }]);
  });

  it('surfaces ClickHouse errors for a bad body and still removes the staged file', async () => {
    await expect(
      client.exec({ query: 'INSERT INTO default.t (n, s) FORMAT Native', values: Readable.from([Buffer.from([2, 1, 1, 0x6e])]) }),
    ).rejects.toThrow(/Native|read|Cannot|ATTEMPT_TO_READ_AFTER_EOF|INCORRECT_DATA/i);
    expect(readdirSync(staging())).toEqual([]);
  });

  it("removes files staged by a process that no longer runs, and leaves a live process's alone", async () => {
    const other = createEmbeddedClient(dir);
    mkdirSync(staging(), { recursive: true });
    // PID 2^22+1 is above Linux's pid_max ceiling, so no process has it.
    const dead = join(staging(), '4194305-0000.native');
    const live = join(staging(), `${process.ppid}-0000.native`);
    writeFileSync(dead, 'x');
    writeFileSync(live, 'x');
    const result = await other.exec({ query: 'INSERT INTO default.t (n, s) FORMAT Native', values: Readable.from([nativeBlock([20], ['y'])]) });
    result.stream.resume();
    expect([existsSync(dead), existsSync(live)]).toEqual([false, true]);
    rmSync(live);
    await other.close();
  });

  it('passes text inserts and queries through unchanged', async () => {
    const result = await client.exec({ query: 'INSERT INTO default.t (n, s) FORMAT TabSeparated', values: Readable.from(['30\tz\n']) });
    result.stream.resume();
    expect(await (await client.query({ query: 'SELECT s FROM default.t WHERE n = 30', format: 'JSONEachRow' })).json()).toEqual([{ s: 'z' }]);
  });

  it('tells which query settings the server knows, and says no when it cannot ask', async () => {
    expect(await hasQuerySetting(client, 'materialize_skip_indexes_on_insert')).toBe(true);
    expect(await hasQuerySetting(client, 'no_such_setting')).toBe(false);
    // Nothing listens on port 1: the question fails, and the answer is no.
    const unreachable = createClient({ url: 'http://127.0.0.1:1', request_timeout: 2000 });
    expect(await hasQuerySetting(unreachable, 'materialize_skip_indexes_on_insert')).toBe(false);
    await unreachable.close();
  });
});
