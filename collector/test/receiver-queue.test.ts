import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpHttpReceiver } from '../src/receiver/otlp-http.ts';
import type { AcceptResult } from '../src/receiver/otlp-http.ts';
import { DiskQueue } from '../src/queue/disk-queue.ts';
import { decodeTraceRecord, encodeTraceRecord } from '../src/queue/trace-record.ts';
import { decodeTraceRequestProtobuf } from '../src/otlp/protobuf-decode.ts';
import { genAiTraceRequest, genAiTraceRequestJson } from './fixtures/otlp-fixtures.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(maxBytes: number): Promise<{ url: string; queue: DiskQueue; receiver: OtlpHttpReceiver }> {
  const dir = await mkdtemp(join(tmpdir(), 'spendtrace-receiver-queue-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const queue = await DiskQueue.open({ dir, maxBytes });
  cleanups.push(() => queue.close());
  const receiver = new OtlpHttpReceiver({
    endpoint: '127.0.0.1:0',
    accept: (request) => queue.append(encodeTraceRecord(request.format, request.body)),
  });
  cleanups.push(() => receiver.stop());
  const { port } = await receiver.start();
  return { url: `http://127.0.0.1:${port}/v1/traces`, queue, receiver };
}

describe('receiver in front of the disk queue', () => {
  it('queues every acknowledged request durably and answers 429 once the queue is full', async () => {
    const protobuf = genAiTraceRequest(20, { seed: 1 });
    const json = genAiTraceRequestJson(20, { seed: 2 });
    // Room for the two requests (plus record headers and format tags), not for a third.
    const { url, queue } = await start(protobuf.length + json.length + 2 * 9 + 100);
    const first = await fetch(url, { method: 'POST', body: protobuf, headers: { 'content-type': 'application/x-protobuf' } });
    const second = await fetch(url, { method: 'POST', body: json, headers: { 'content-type': 'application/json' } });
    const third = await fetch(url, { method: 'POST', body: protobuf, headers: { 'content-type': 'application/x-protobuf' } });
    expect([first.status, second.status, third.status]).toStrictEqual([200, 200, 429]);
    expect(third.headers.get('retry-after')).toBe('2');

    const batch = await queue.read();
    const decoded = batch!.records.map(decodeTraceRecord);
    expect(decoded.map((d) => d.spans.length)).toStrictEqual([20, 20]);
    expect(decoded[0]).toStrictEqual(decodeTraceRequestProtobuf(protobuf));
    expect(decoded[1]!.spans[0]!.traceId).toBe('00000002000000000000000000000001');

    await queue.ack(batch!.position);
    const retried = await fetch(url, { method: 'POST', body: protobuf, headers: { 'content-type': 'application/x-protobuf' } });
    expect(retried.status).toBe(200);
  });

  it('answers 503 once the queue stops accepting', async () => {
    const { url, queue } = await start(1024 * 1024);
    await queue.stopAccepting();
    const reply = await fetch(url, { method: 'POST', body: genAiTraceRequest(1), headers: { 'content-type': 'application/x-protobuf' } });
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('2');
  });
});

describe('receiver shutdown', () => {
  it('finishes requests in flight before stop resolves, and is not ready meanwhile', async () => {
    let release!: (result: AcceptResult) => void;
    const receiver = new OtlpHttpReceiver({ endpoint: '127.0.0.1:0', accept: () => new Promise((resolve) => (release = resolve)) });
    const { port } = await receiver.start();
    receiver.setReady(true);
    const inFlight = fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST',
      body: genAiTraceRequest(1),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    let stopped = false;
    const stopping = receiver.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release('accepted');
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(reply.headers.get('connection')).toBe('close');
    await stopping;
    expect(stopped).toBe(true);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
