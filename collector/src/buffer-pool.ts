/**
 * A free list of large Buffers, for memory the collector fills and drops over and over: request
 * bodies, queue reads, encoded ClickHouse blocks.
 *
 * Why: a Buffer's memory lives outside V8's heap, and V8 starts a full (mark-compact) collection
 * whenever that outside memory has grown by about 64 MiB since the last one, however little of the
 * heap is garbage. At ingest rates the collector allocated such buffers at several KiB per span, so
 * V8 ran a full collection every few thousand spans, and its marking threads took more CPU than any
 * other part of the collector's own work except decoding. Handing the same buffers out again keeps
 * that memory flat.
 *
 * Sizes are rounded up to a power of two (at least `MIN_POOLED_BYTES`), so requests of nearly the
 * same size (request bodies, blocks of similar rows) share buffers. `take` may return a larger buffer
 * than asked for; use a view of it. A buffer must be given back only once, and only when nothing
 * reads or writes it any more: the next `take` hands it out again.
 */
export const MIN_POOLED_BYTES = 64 * 1024;

export interface BufferPoolOptions {
  /** Bytes the free buffers may hold together; a buffer given back past it is left to the GC. */
  maxPooledBytes: number;
}

export class BufferPool {
  readonly #maxPooledBytes: number;
  /** Free buffers by size (a power of two). */
  readonly #free = new Map<number, Buffer[]>();
  #pooledBytes = 0;

  constructor(options: BufferPoolOptions) {
    if (!(options.maxPooledBytes >= 0)) throw new Error(`BufferPool: maxPooledBytes must be >= 0, got ${options.maxPooledBytes}`);
    this.#maxPooledBytes = options.maxPooledBytes;
  }

  /** Bytes held by free buffers. */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }

  /** A buffer of at least `bytes` bytes (contents undefined): a free one when there is one of its size. */
  take(bytes: number): Buffer {
    const size = sizeClass(bytes);
    const free = this.#free.get(size);
    const reused = free?.pop();
    if (reused !== undefined) {
      this.#pooledBytes -= size;
      return reused;
    }
    // Never from Node's shared slab: a pooled buffer must own all of its memory.
    return Buffer.allocUnsafeSlow(size);
  }

  /** Returns a buffer that `take` handed out; nothing may use it afterwards. */
  give(buffer: Buffer): void {
    const size = buffer.length;
    if (size !== sizeClass(size) || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== size) {
      throw new Error(`BufferPool: a buffer of ${size} bytes at offset ${buffer.byteOffset} did not come from take()`);
    }
    if (this.#pooledBytes + size > this.#maxPooledBytes) return;
    let free = this.#free.get(size);
    if (free === undefined) this.#free.set(size, (free = []));
    free.push(buffer);
    this.#pooledBytes += size;
  }
}

/** The power of two at or above `bytes`, and at least MIN_POOLED_BYTES. */
function sizeClass(bytes: number): number {
  if (!(bytes <= 2 ** 52)) throw new RangeError(`BufferPool: cannot hold ${bytes} bytes`);
  let size = MIN_POOLED_BYTES;
  while (size < bytes) size *= 2;
  return size;
}
