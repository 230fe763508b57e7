import { describe, expect, it } from 'vitest';
import { BufferPool, MIN_POOLED_BYTES } from '../src/buffer-pool.ts';

describe('BufferPool', () => {
  it('hands out buffers rounded up to a power of two of at least 64 KiB', () => {
    const pool = new BufferPool({ maxPooledBytes: 1 << 30 });
    expect(pool.take(1).length).toBe(MIN_POOLED_BYTES);
    expect(pool.take(MIN_POOLED_BYTES).length).toBe(65_536);
    expect(pool.take(MIN_POOLED_BYTES + 1).length).toBe(131_072);
    expect(pool.take(1_215_911).length).toBe(2_097_152);
    const taken = pool.take(100_000);
    expect([taken.byteOffset, taken.buffer.byteLength]).toStrictEqual([0, 131_072]);
  });

  it('hands a given-back buffer out again for a request of its size class, and no other', () => {
    const pool = new BufferPool({ maxPooledBytes: 1 << 30 });
    const first = pool.take(1_000_000);
    pool.give(first);
    expect(pool.pooledBytes).toBe(1_048_576);
    expect(pool.take(500_000)).not.toBe(first);
    expect(pool.take(900_000)).toBe(first);
    expect(pool.pooledBytes).toBe(0);
    expect(pool.take(900_000)).not.toBe(first);
  });

  it('accepts a new Buffer over the memory of one it handed out', () => {
    const pool = new BufferPool({ maxPooledBytes: 1 << 30 });
    const first = pool.take(70_000);
    const view = first.subarray(0, 10);
    pool.give(Buffer.from(view.buffer, 0, view.buffer.byteLength));
    expect(pool.take(70_000).buffer).toBe(first.buffer);
  });

  it('keeps no more than maxPooledBytes of free buffers', () => {
    const pool = new BufferPool({ maxPooledBytes: 3 * MIN_POOLED_BYTES });
    const buffers = [pool.take(1), pool.take(1), pool.take(1), pool.take(1)];
    for (const buffer of buffers) pool.give(buffer);
    expect(pool.pooledBytes).toBe(3 * MIN_POOLED_BYTES);
    const again = [pool.take(1), pool.take(1), pool.take(1), pool.take(1)];
    expect(again.filter((b) => buffers.includes(b))).toHaveLength(3);
  });

  it('refuses a buffer it could not have handed out', () => {
    const pool = new BufferPool({ maxPooledBytes: 1 << 30 });
    expect(() => pool.give(Buffer.allocUnsafeSlow(100_000))).toThrow('BufferPool: a buffer of 100000 bytes at offset 0 did not come from take()');
    const taken = pool.take(200_000);
    expect(() => pool.give(taken.subarray(65_536, 131_072))).toThrow('BufferPool: a buffer of 65536 bytes at offset 65536 did not come from take()');
    expect(() => new BufferPool({ maxPooledBytes: -1 })).toThrow('BufferPool: maxPooledBytes must be >= 0, got -1');
  });
});
