import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, truncate, appendFile, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue } from '../src/queue/disk-queue.ts';
import type { QueueBatch } from '../src/queue/disk-queue.ts';
import { decodeTraceRecord, encodeTraceRecord } from '../src/queue/trace-record.ts';
import { genAiTraceRequest, genAiTraceRequestJson } from './fixtures/otlp-fixtures.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spendtrace-queue-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const text = (records: Uint8Array[]): string[] => records.map((r) => Buffer.from(r).toString());
const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

async function readAll(queue: DiskQueue): Promise<{ records: string[]; last: QueueBatch | null }> {
  await queue.stopAccepting();
  const records: string[] = [];
  let last: QueueBatch | null = null;
  for (let batch = await queue.read(); batch; batch = await queue.read()) {
    records.push(...text(batch.records));
    last = batch;
  }
  return { records, last };
}

describe('DiskQueue', () => {
  it('returns appended records in order and replays unacknowledged ones after reopening', async () => {
    const dir = await tempDir();
    let queue = await DiskQueue.open({ dir });
    expect(await Promise.all(['a', 'bb', 'ccc', 'dddd'].map((s) => queue.append(bytes(s))))).toStrictEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(await queue.append([bytes('multi-'), bytes('part')])).toBe('accepted');
    const first = await queue.read({ maxRecords: 2 });
    expect(text(first!.records)).toStrictEqual(['a', 'bb']);
    expect(first!.position).toBe(8 + 1 + 8 + 2);
    await queue.ack(first!.position);
    const second = await queue.read({ maxRecords: 1 });
    expect(text(second!.records)).toStrictEqual(['ccc']);
    await queue.close();

    // 'ccc' was read but never acknowledged: it comes back, and so does everything after it.
    queue = await DiskQueue.open({ dir });
    expect(queue.stats().unackedBytes).toBe(8 + 3 + 8 + 4 + 8 + 10);
    const replay = await queue.read();
    expect(text(replay!.records)).toStrictEqual(['ccc', 'dddd', 'multi-part']);
    await queue.ack(replay!.position);
    expect(queue.stats().unackedBytes).toBe(0);
    await queue.close();

    queue = await DiskQueue.open({ dir });
    expect(await readAll(queue)).toStrictEqual({ records: [], last: null });
    await queue.close();
  });

  it('waits for records to arrive and ends with null once stopped and drained', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir() });
    const pending = queue.read();
    await queue.append(bytes('late'));
    expect(text((await pending)!.records)).toStrictEqual(['late']);
    const waiting = queue.read();
    await queue.stopAccepting();
    expect(await waiting).toBeNull();
    expect(await queue.append(bytes('after'))).toBe('closed');
    await queue.close();
  });

  it('refuses a second read while one is in progress', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir() });
    const controller = new AbortController();
    const waiting = queue.read({ signal: controller.signal });
    await expect(queue.read()).rejects.toThrow('DiskQueue.read called while another read is in progress');
    controller.abort();
    expect(await waiting).toBeNull();
    await queue.close();
  });

  it('resolves a waiting read with null when its signal aborts', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir() });
    const controller = new AbortController();
    const waiting = queue.read({ signal: controller.signal });
    controller.abort();
    expect(await waiting).toBeNull();
    await queue.close();
  });

  it('answers full past maxBytes of unacknowledged data and accepts again after an ack', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir(), maxBytes: 3 * (8 + 100) });
    const record = new Uint8Array(100);
    expect(await Promise.all([1, 2, 3, 4].map(() => queue.append(record)))).toStrictEqual(['accepted', 'accepted', 'accepted', 'full']);
    const batch = await queue.read({ maxRecords: 1 });
    expect(await queue.append(record)).toBe('full');
    await queue.ack(batch!.position);
    expect(await queue.append(record)).toBe('accepted');
    await queue.close();
  });

  it('reads into the memory of a released batch, and never into that of one still held', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir(), unsafeNoSync: true });
    for (const s of ['first', 'second', 'third']) await queue.append(bytes(s));
    const first = (await queue.read({ maxRecords: 1 }))!;
    const second = (await queue.read({ maxRecords: 1 }))!;
    expect(second.records[0]!.buffer).not.toBe(first.records[0]!.buffer);
    first.release();
    first.release();
    const third = (await queue.read({ maxRecords: 1 }))!;
    expect(third.records[0]!.buffer).toBe(first.records[0]!.buffer);
    expect([...text(second.records), ...text(third.records)]).toStrictEqual(['second', 'third']);
    await queue.close();
  });

  it('skips the rest of a segment whose record no longer matches its CRC when read back', async () => {
    const dir = await tempDir();
    const queue = await DiskQueue.open({ dir });
    for (const s of ['one', 'two', 'three']) await queue.append(bytes(s));
    // Flip the first byte of the second payload: 8 + 3 bytes of 'one', then its 8-byte header.
    const segment = join(dir, `${'0'.padStart(20, '0')}.seg`);
    const file = await readFile(segment);
    file[19] = 'T'.charCodeAt(0);
    await writeFile(segment, file);
    expect((await readAll(queue)).records).toStrictEqual(['one']);
    expect(queue.stats().corruptRecords).toBe(1);
    await queue.close();
  });

  it('with fillUntil, waits for a full batch until the promise settles, then takes what is there', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir(), unsafeNoSync: true });
    await queue.append(new Uint8Array(300).fill(1));
    let settle!: () => void;
    const fillUntil = new Promise<void>((resolve) => (settle = resolve));
    let batch: QueueBatch | null | undefined;
    const reading = queue.read({ maxBytes: 1000, fillUntil }).then((b) => (batch = b));
    await queue.append(new Uint8Array(300).fill(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(batch).toBeUndefined();
    settle();
    await reading;
    expect(batch!.records.map((r) => [r[0], r.length])).toStrictEqual([
      [1, 300],
      [2, 300],
    ]);

    // A full batch is taken at once, however long the promise takes.
    for (const fill of [3, 4, 5, 6]) await queue.append(new Uint8Array(300).fill(fill));
    const full = await queue.read({ maxBytes: 1000, fillUntil: new Promise(() => undefined) });
    expect(full!.records.map((r) => r[0])).toStrictEqual([3, 4, 5]);

    // Once the queue stops accepting, nothing more is coming: the rest is taken without waiting.
    await queue.stopAccepting();
    const rest = await queue.read({ maxBytes: 1000, fillUntil: new Promise(() => undefined) });
    expect(rest!.records.map((r) => r[0])).toStrictEqual([6]);
    expect(await queue.read({ fillUntil: new Promise(() => undefined) })).toBeNull();
    await queue.close();
  });

  it('with fillUntil, an abort while waiting for a full batch hands out the records already there', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir(), unsafeNoSync: true });
    await queue.append(bytes('early'));
    const batch = await queue.read({ maxBytes: 1000, fillUntil: new Promise(() => undefined), signal: AbortSignal.timeout(20) });
    expect(text(batch!.records)).toStrictEqual(['early']);
    await queue.close();
  });

  it('limits a batch by bytes but always returns at least one record', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir() });
    for (const size of [300, 300, 300, 1000]) await queue.append(new Uint8Array(size).fill(65));
    expect((await queue.read({ maxBytes: 700 }))!.records.map((r) => r.length)).toStrictEqual([300, 300]);
    expect((await queue.read({ maxBytes: 700 }))!.records.map((r) => r.length)).toStrictEqual([300]);
    expect((await queue.read({ maxBytes: 700 }))!.records.map((r) => r.length)).toStrictEqual([1000]);
    await queue.close();
  });

  it('rotates segments and deletes them once fully acknowledged', async () => {
    const dir = await tempDir();
    const queue = await DiskQueue.open({ dir, segmentBytes: 1000 });
    for (let i = 0; i < 30; i++) expect(await queue.append(new Uint8Array(192).fill(i))).toBe('accepted');
    const segmentFiles = async (): Promise<string[]> => (await readdir(dir)).filter((f) => f.endsWith('.seg')).sort();
    // Five 200-byte records fill a 1000-byte segment.
    expect(await segmentFiles()).toStrictEqual(
      [0, 1000, 2000, 3000, 4000, 5000].map((base) => `${String(base).padStart(20, '0')}.seg`),
    );
    const batch = await queue.read({ maxRecords: 12 });
    expect(batch!.records.map((r) => r[0])).toStrictEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    await queue.ack(batch!.position);
    expect(await segmentFiles()).toStrictEqual([2000, 3000, 4000, 5000].map((base) => `${String(base).padStart(20, '0')}.seg`));
    const rest = await readAll(queue);
    expect(rest.records.map((r) => r.charCodeAt(0))).toStrictEqual(Array.from({ length: 18 }, (_, i) => i + 12));
    await queue.ack(rest.last!.position);
    // The newest segment stays as the write target.
    expect(await segmentFiles()).toStrictEqual([`${String(5000).padStart(20, '0')}.seg`]);
    await queue.close();
  });

  it('truncates a torn tail record at open and keeps everything before it', async () => {
    const dir = await tempDir();
    let queue = await DiskQueue.open({ dir });
    for (const s of ['one', 'two', 'three']) await queue.append(bytes(s));
    await queue.close();
    const segment = join(dir, `${'0'.padStart(20, '0')}.seg`);
    const fullSize = (await stat(segment)).size;
    expect(fullSize).toBe(3 * 8 + 3 + 3 + 5);
    await truncate(segment, fullSize - 2); // a crash halfway through writing 'three'

    queue = await DiskQueue.open({ dir });
    expect(queue.stats().truncatedBytes).toBe(8 + 5 - 2);
    expect((await stat(segment)).size).toBe(2 * 8 + 3 + 3);
    expect(await queue.append(bytes('four'))).toBe('accepted');
    expect((await readAll(queue)).records).toStrictEqual(['one', 'two', 'four']);
    await queue.close();
  });

  it('detects a tail whose length is intact but whose bytes are not (CRC)', async () => {
    const dir = await tempDir();
    let queue = await DiskQueue.open({ dir });
    await queue.append(bytes('kept'));
    await queue.close();
    const segment = join(dir, `${'0'.padStart(20, '0')}.seg`);
    // A header announcing 4 bytes, followed by 4 bytes that do not match its CRC.
    await appendFile(segment, Buffer.from([4, 0, 0, 0, 1, 2, 3, 4, 0x77, 0x77, 0x77, 0x77]));
    queue = await DiskQueue.open({ dir });
    expect(queue.stats().truncatedBytes).toBe(12);
    expect((await readAll(queue)).records).toStrictEqual(['kept']);
    await queue.close();
  });

  it('ignores a torn acknowledgement write and keeps the previous one', async () => {
    const dir = await tempDir();
    let queue = await DiskQueue.open({ dir });
    for (const s of ['a', 'b', 'c']) await queue.append(bytes(s));
    await queue.ack((await queue.read({ maxRecords: 1 }))!.position);
    await queue.ack((await queue.read({ maxRecords: 1 }))!.position);
    await queue.close();
    // The second ack went to slot 0; corrupt it as a torn write would.
    const ack = await readFile(join(dir, 'ack'));
    ack[3] = ack[3]! ^ 0xff;
    await writeFile(join(dir, 'ack'), ack);
    queue = await DiskQueue.open({ dir });
    expect((await readAll(queue)).records).toStrictEqual(['b', 'c']);
    await queue.close();
  });

  it('refuses a second open of a directory held by a live process', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'lock'), String(process.ppid));
    await expect(DiskQueue.open({ dir })).rejects.toThrow(`queue directory ${dir} is in use by process ${process.ppid}`);
    await writeFile(join(dir, 'lock'), '999999999');
    const queue = await DiskQueue.open({ dir });
    await queue.close();
  });

  it('groups concurrent appends into few syncs and keeps every record', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir() });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => queue.append(bytes(`r${i}`))));
    expect(results.every((r) => r === 'accepted')).toBe(true);
    const { records } = await readAll(queue);
    expect(records).toStrictEqual(Array.from({ length: 500 }, (_, i) => `r${i}`));
    await queue.close();
  });

  it('stores trace requests with their format and decodes them back', async () => {
    const queue = await DiskQueue.open({ dir: await tempDir() });
    const protobuf = genAiTraceRequest(3);
    const json = genAiTraceRequestJson(3);
    await queue.append(encodeTraceRecord('protobuf', protobuf));
    await queue.append(encodeTraceRecord('json', json));
    const batch = await queue.read();
    const [fromProtobuf, fromJson] = batch!.records.map(decodeTraceRecord);
    expect(fromProtobuf!.spans).toHaveLength(3);
    expect(fromJson).toStrictEqual(fromProtobuf);
    expect(() => decodeTraceRecord(Uint8Array.of(9, 1, 2))).toThrow('unknown trace record format tag 9');
    await queue.close();
  });

  it('loses no acknowledged record when the writing process is killed with SIGKILL', async () => {
    const dir = await tempDir();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'queue-crash-child.ts'), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged = new Set<number>();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) acknowledged.add(Number(line.slice('acked '.length)));
        if (acknowledged.size >= 400) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const queue = await DiskQueue.open({ dir, segmentBytes: 64 * 1024 });
    const { records } = await readAll(queue);
    const seen = new Map<number, number>();
    for (const record of records) {
      const match = /^record-(\d+)-(p*)$/.exec(record);
      expect(match).not.toBeNull();
      const n = Number(match![1]);
      expect(match![2]!.length).toBe(n % 300);
      seen.set(n, (seen.get(n) ?? 0) + 1);
    }
    for (const n of acknowledged) expect(seen.get(n)).toBe(1);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    await queue.close();
  });
});
