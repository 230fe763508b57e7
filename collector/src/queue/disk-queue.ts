/**
 * A durable FIFO queue of opaque records on local disk, between the receiver and the exporters.
 *
 *   const queue = await DiskQueue.open({ dir: join(dataDir, 'queue') });
 *   await queue.append(bytes)            // 'accepted' once fsynced | 'full' | 'closed'
 *   const batch = await queue.read()     // next records after the last read; null when closed and drained
 *                                        // (a single consumer: one read at a time)
 *   await queue.ack(batch.position)      // everything up to position is done; survives a crash
 *   await queue.stopAccepting()          // refuse new records, let the consumer drain
 *   await queue.close()
 *
 * Layout: append-only segment files named by the logical offset of their first byte (positions
 * are logical byte offsets across all segments, so "everything before X" is one number), and an
 * `ack` file holding the acknowledged offset. A record is [u32 length][u32 crc32][payload], little
 * endian. `append` resolves only after the record is written and fdatasync'ed; appends that arrive
 * while a sync is running are written and synced together (group commit), so throughput does not
 * collapse to one fsync per request. On open, segments are scanned and a torn tail (a partial
 * record from a crash) is detected by length and CRC and truncated; records after the
 * acknowledged offset are delivered again. Delivery is at-least-once: a crash between exporting a
 * batch and acknowledging it replays the batch, and the pipeline's dedupe makes that harmless.
 * Segments are deleted once every record in them is acknowledged. `maxBytes` bounds the bytes
 * not yet acknowledged; past it `append` answers 'full' and the receiver asks clients to retry.
 * A pid lock file keeps a second process from writing the same directory.
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { mkdir, open, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BufferPool } from '../buffer-pool.ts';

export type AppendResult = 'accepted' | 'full' | 'closed';

/** A logical byte offset in the queue: every record before it has been read (or acknowledged). */
export type QueuePosition = number;

export interface QueueBatch {
  /** Payloads in append order. */
  records: Uint8Array[];
  /** Pass to `ack` once every record of this batch (and of earlier batches) is durably exported. */
  position: QueuePosition;
  /**
   * Lets a later `read` reuse the records' memory: call it once nothing uses the records any more
   * (nor views of them). Optional: records never released are garbage collected as usual.
   */
  release(): void;
}

export interface DiskQueueOptions {
  /** Directory of the queue; the collector uses `<dataDir>/queue`. Created if missing. */
  dir: string;
  /** Unacknowledged bytes (headers included) beyond which `append` answers 'full'. Default 1 GiB. */
  maxBytes?: number;
  /** A new segment file is started once the current one reaches this size. Default 64 MiB. */
  segmentBytes?: number;
  /** Skip fdatasync (tests of logic only; never in production). Default false. */
  unsafeNoSync?: boolean;
}

export interface ReadOptions {
  /** Stop adding records once the batch holds this many payload bytes (at least one record is returned). Default 32 MiB. */
  maxBytes?: number;
  /** Default 1000. */
  maxRecords?: number;
  /**
   * Resolve with null when aborted while waiting for records (with the records already there when
   * aborted while waiting to fill, see `fillUntil`).
   */
  signal?: AbortSignal;
  /**
   * While fewer than `maxBytes` (record headers included) are ready, wait for more until this
   * settles (then take what is there): a consumer whose previous batch is still being exported
   * gains nothing from taking a small batch now, and a larger one costs its store less per record.
   */
  fillUntil?: Promise<unknown>;
}

export interface DiskQueueStats {
  /** Bytes appended but not yet acknowledged (what `maxBytes` limits). */
  unackedBytes: number;
  /** Bytes appended but not yet handed out by `read`. */
  unreadBytes: number;
  segments: number;
  /** Bytes dropped at open because of a torn or corrupt record. */
  truncatedBytes: number;
  /** Records skipped at read time because their CRC no longer matched (disk corruption). */
  corruptRecords: number;
}

const HEADER_BYTES = 8;
const MAX_RECORD_BYTES = 0xffffffff;
const SEGMENT_SUFFIX = '.seg';
const ACK_FILE = 'ack';
const LOCK_FILE = 'lock';
/** Two alternating slots: a torn ack write leaves the other slot intact. */
const ACK_SLOT_BYTES = 24;

interface Segment {
  base: number;
  /** Bytes written and synced; readers never look past it. */
  length: number;
  readHandle: FileHandle | null;
}

interface PendingAppend {
  parts: readonly Uint8Array[];
  length: number;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

export class DiskQueue {
  private readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly sync: boolean;
  private readonly segments: Segment[];
  private writeHandle: FileHandle | null;
  private ackFile: FileHandle;
  private ackSequence: number;
  private ackedOffset: number;
  private readOffset: number;
  private pending: PendingAppend[] = [];
  private pendingBytes = 0;
  /** Bytes of the group being written right now (not yet durable, no longer pending). */
  private writingBytes = 0;
  private flushing: Promise<void> | null = null;
  private accepting = true;
  private closed = false;
  private reading = false;
  /**
   * The memory records are read into, used again once a batch is released (see buffer-pool.ts):
   * room for two full default batches, as the consumer reads one ahead while it processes another.
   */
  private readonly readBuffers = new BufferPool({ maxPooledBytes: 64 * 1024 * 1024 });
  private ackChain: Promise<void> = Promise.resolve();
  private readonly readWaiters = new Set<() => void>();
  private truncatedBytes: number;
  private corruptRecords = 0;

  private constructor(init: {
    dir: string;
    options: DiskQueueOptions;
    segments: Segment[];
    writeHandle: FileHandle | null;
    ackFile: FileHandle;
    ackSequence: number;
    ackedOffset: number;
    truncatedBytes: number;
  }) {
    this.dir = init.dir;
    this.maxBytes = init.options.maxBytes ?? 1024 * 1024 * 1024;
    this.segmentBytes = init.options.segmentBytes ?? 64 * 1024 * 1024;
    this.sync = !init.options.unsafeNoSync;
    this.segments = init.segments;
    this.writeHandle = init.writeHandle;
    this.ackFile = init.ackFile;
    this.ackSequence = init.ackSequence;
    this.ackedOffset = init.ackedOffset;
    this.readOffset = init.ackedOffset;
    this.truncatedBytes = init.truncatedBytes;
  }

  /** Opens (or creates) the queue in `options.dir`, recovering from a crash if there was one. */
  static async open(options: DiskQueueOptions): Promise<DiskQueue> {
    const dir = options.dir;
    await mkdir(dir, { recursive: true });
    await takeLock(dir);
    try {
      const { sequence, offset } = await readAckFile(join(dir, ACK_FILE));
      // 'r+' because writes to a file opened for appending ignore their position on Linux.
      await writeFile(join(dir, ACK_FILE), '', { flag: 'a' });
      const ackFile = await open(join(dir, ACK_FILE), 'r+');
      const { segments, truncatedBytes } = await recoverSegments(dir);
      const last = segments.at(-1);
      const writeHandle = last ? await open(segmentPath(dir, last.base), 'r+') : null;
      const first = segments[0];
      const end = last ? last.base + last.length : offset;
      // Acknowledged segments may already be gone; an ack past the data means it was all consumed.
      let ackedOffset = offset;
      if (first && ackedOffset < first.base) ackedOffset = first.base;
      if (ackedOffset > end) ackedOffset = end;
      const queue = new DiskQueue({ dir, options, segments, writeHandle, ackFile, ackSequence: sequence, ackedOffset, truncatedBytes });
      await queue.deleteAcknowledgedSegments();
      return queue;
    } catch (error) {
      await rm(join(dir, LOCK_FILE), { force: true });
      throw error;
    }
  }

  /**
   * Appends one record (given as one or more parts that are stored back to back) and resolves
   * once it is durable. 'full' and 'closed' leave the queue unchanged.
   */
  append(record: Uint8Array | readonly Uint8Array[]): Promise<AppendResult> {
    if (!this.accepting) return Promise.resolve('closed');
    const parts = record instanceof Uint8Array ? [record] : record;
    let length = 0;
    for (const part of parts) length += part.byteLength;
    if (length > MAX_RECORD_BYTES) return Promise.reject(new RangeError(`record of ${length} bytes exceeds the 4 GiB record limit`));
    if (this.unackedBytesIncludingPending() + HEADER_BYTES + length > this.maxBytes) return Promise.resolve('full');
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ parts, length, resolve, reject });
      this.pendingBytes += HEADER_BYTES + length;
      this.flushing ??= this.flushLoop();
    });
  }

  /**
   * Resolves with the next records after the last `read`, waiting until at least one is durable.
   * Resolves null once the queue has stopped accepting and everything was read, or when aborted.
   */
  async read(options: ReadOptions = {}): Promise<QueueBatch | null> {
    // One consumer, one read at a time: two overlapping reads would hand out the same records.
    if (this.reading) throw new Error('DiskQueue.read called while another read is in progress');
    this.reading = true;
    try {
      const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
      const maxRecords = options.maxRecords ?? 1000;
      let filling = options.fillUntil !== undefined;
      const filled = (): void => {
        filling = false;
        this.wakeReaders();
      };
      options.fillUntil?.then(filled, filled);
      for (;;) {
        if (this.closed) return null;
        const ready = this.durableEnd() - this.readOffset;
        // Waiting to fill stops once the queue stops accepting: nothing more is coming.
        if (ready > 0 && (!filling || !this.accepting || ready >= maxBytes)) return await this.readAvailable(maxBytes, maxRecords);
        if (!this.accepting && !this.flushing) return null;
        if (options.signal?.aborted) return ready > 0 ? await this.readAvailable(maxBytes, maxRecords) : null;
        await this.waitForData(options.signal);
      }
    } finally {
      this.reading = false;
    }
  }

  /**
   * Marks everything before `position` as done and persists that. Acknowledging a position at or
   * before an earlier one is a no-op. Fully acknowledged segments are deleted.
   */
  ack(position: QueuePosition): Promise<void> {
    const run = async (): Promise<void> => {
      if (position <= this.ackedOffset) return;
      if (position > this.readOffset) throw new RangeError(`cannot acknowledge ${position}: only ${this.readOffset} was read`);
      this.ackSequence++;
      const slot = Buffer.alloc(ACK_SLOT_BYTES);
      slot.writeBigUInt64LE(BigInt(this.ackSequence), 0);
      slot.writeBigUInt64LE(BigInt(position), 8);
      slot.writeUInt32LE(crc32(slot.subarray(0, 16)), 16);
      await this.ackFile.write(slot, 0, ACK_SLOT_BYTES, (this.ackSequence % 2) * ACK_SLOT_BYTES);
      if (this.sync) await this.ackFile.datasync();
      this.ackedOffset = position;
      await this.deleteAcknowledgedSegments();
    };
    const next = this.ackChain.then(run);
    this.ackChain = next.catch(() => undefined);
    return next;
  }

  /** New appends answer 'closed'; appends already accepted become durable; readers drain then get null. */
  async stopAccepting(): Promise<void> {
    this.accepting = false;
    await this.flushing;
    this.wakeReaders();
  }

  /** Stops accepting, waits for pending writes and acknowledgements, and releases the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.stopAccepting();
    await this.ackChain;
    this.closed = true;
    this.wakeReaders();
    for (const segment of this.segments) await closeQuietly(segment.readHandle);
    await closeQuietly(this.writeHandle);
    await closeQuietly(this.ackFile);
    await rm(join(this.dir, LOCK_FILE), { force: true });
  }

  /** Everything before this position is acknowledged (what a restart does not replay). */
  get acknowledgedPosition(): QueuePosition {
    return this.ackedOffset;
  }

  stats(): DiskQueueStats {
    const end = this.durableEnd();
    return {
      unackedBytes: end - this.ackedOffset,
      unreadBytes: end - this.readOffset,
      segments: this.segments.length,
      truncatedBytes: this.truncatedBytes,
      corruptRecords: this.corruptRecords,
    };
  }

  // ---- writing ----------------------------------------------------------------------------

  private unackedBytesIncludingPending(): number {
    return this.durableEnd() - this.ackedOffset + this.writingBytes + this.pendingBytes;
  }

  private durableEnd(): number {
    const last = this.segments.at(-1);
    return last ? last.base + last.length : this.ackedOffset;
  }

  /** Writes whatever is pending, syncs once, acknowledges that group, and repeats until idle. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const group = this.pending;
        const groupBytes = this.pendingBytes;
        this.pending = [];
        this.pendingBytes = 0;
        this.writingBytes = groupBytes;
        try {
          await this.writeGroup(group, groupBytes);
        } catch (error) {
          for (const append of group) append.reject(error as Error);
          continue;
        } finally {
          this.writingBytes = 0;
        }
        for (const append of group) append.resolve('accepted');
        this.wakeReaders();
      }
    } finally {
      this.flushing = null;
      this.wakeReaders();
    }
  }

  private async writeGroup(group: PendingAppend[], groupBytes: number): Promise<void> {
    let segment = this.segments.at(-1);
    if (!segment || !this.writeHandle || segment.length >= this.segmentBytes) segment = await this.startSegment();
    const buffers: Uint8Array[] = [];
    for (const append of group) {
      const header = Buffer.allocUnsafe(HEADER_BYTES);
      let crc = 0;
      for (const part of append.parts) crc = crc32(part, crc);
      header.writeUInt32LE(append.length, 0);
      header.writeUInt32LE(crc, 4);
      buffers.push(header);
      for (const part of append.parts) if (part.byteLength > 0) buffers.push(part);
    }
    const handle = this.writeHandle!;
    // Positional writes: a failed group leaves garbage past `length` that the next group overwrites.
    let position = segment.length;
    let index = 0;
    while (index < buffers.length) {
      const chunk = buffers.slice(index, index + 512);
      const { bytesWritten } = await handle.writev(chunk, position);
      let expected = 0;
      for (const b of chunk) expected += b.byteLength;
      if (bytesWritten !== expected) throw new Error(`short write to queue segment (${bytesWritten} of ${expected} bytes)`);
      position += bytesWritten;
      index += chunk.length;
    }
    if (this.sync) await handle.datasync();
    segment.length += groupBytes;
  }

  private async startSegment(): Promise<Segment> {
    const base = this.durableEnd();
    const handle = await open(segmentPath(this.dir, base), 'w+');
    if (this.sync) {
      await handle.sync();
      await syncDirectory(this.dir);
    }
    const previous = this.writeHandle;
    this.writeHandle = handle;
    await closeQuietly(previous);
    const segment: Segment = { base, length: 0, readHandle: null };
    this.segments.push(segment);
    return segment;
  }

  // ---- reading ----------------------------------------------------------------------------

  private async readAvailable(maxBytes: number, maxRecords: number): Promise<QueueBatch> {
    const records: Uint8Array[] = [];
    const buffers: Buffer[] = [];
    let bytes = 0;
    while (records.length < maxRecords && (records.length === 0 || bytes < maxBytes)) {
      const segment = this.segmentAt(this.readOffset);
      if (!segment) break;
      const offsetInSegment = this.readOffset - segment.base;
      const available = segment.length - offsetInSegment;
      if (available <= 0) break;
      const handle = (segment.readHandle ??= await open(segmentPath(this.dir, segment.base), 'r'));
      const header = Buffer.allocUnsafe(HEADER_BYTES);
      await readExactly(handle, header, offsetInSegment);
      const length = header.readUInt32LE(0);
      const want = Math.min(available, Math.max(maxBytes - bytes, HEADER_BYTES + length));
      const buffer = this.readBuffers.take(want);
      buffers.push(buffer);
      const chunk = buffer.subarray(0, want);
      await readExactly(handle, chunk, offsetInSegment);
      let at = 0;
      while (at + HEADER_BYTES <= chunk.length && records.length < maxRecords) {
        const recordLength = chunk.readUInt32LE(at);
        const recordEnd = at + HEADER_BYTES + recordLength;
        if (recordEnd > chunk.length) break;
        if (records.length > 0 && bytes + recordLength > maxBytes) break;
        const payload = chunk.subarray(at + HEADER_BYTES, recordEnd);
        if (crc32(payload) !== chunk.readUInt32LE(at + 4)) {
          // The bytes changed after they were synced; nothing after this point in the segment
          // can be framed reliably, so move on to the next segment.
          this.corruptRecords++;
          this.readOffset = segment.base + segment.length;
          at = -1;
          break;
        }
        records.push(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
        bytes += recordLength;
        at = recordEnd;
      }
      if (at < 0) continue;
      this.readOffset += at;
      if (at === 0) break;
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const buffer of buffers) this.readBuffers.give(buffer);
    };
    return { records, position: this.readOffset, release };
  }

  /** The segment holding `offset`, stepping over the end of a segment to the next one. */
  private segmentAt(offset: number): Segment | undefined {
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (offset < segment.base + segment.length) {
        if (offset < segment.base) this.readOffset = segment.base;
        return segment;
      }
    }
    return undefined;
  }

  private waitForData(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.readWaiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      this.readWaiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  private wakeReaders(): void {
    for (const wake of [...this.readWaiters]) wake();
  }

  private async deleteAcknowledgedSegments(): Promise<void> {
    // The last segment stays: it is where appends go.
    while (this.segments.length > 1) {
      const segment = this.segments[0]!;
      if (segment.base + segment.length > this.ackedOffset) break;
      this.segments.shift();
      await closeQuietly(segment.readHandle);
      await unlink(segmentPath(this.dir, segment.base)).catch(() => undefined);
    }
  }
}

// ---- recovery and files ---------------------------------------------------------------------

function segmentPath(dir: string, base: number): string {
  return join(dir, `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`);
}

async function recoverSegments(dir: string): Promise<{ segments: Segment[]; truncatedBytes: number }> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(SEGMENT_SUFFIX) && /^\d+\.seg$/.test(name));
  const bases = names.map((name) => Number(name.slice(0, -SEGMENT_SUFFIX.length))).sort((a, b) => a - b);
  const segments: Segment[] = [];
  let truncatedBytes = 0;
  for (const base of bases) {
    const path = segmentPath(dir, base);
    const bytes = await readFile(path);
    const validLength = validPrefixLength(bytes);
    if (validLength < bytes.length) {
      truncatedBytes += bytes.length - validLength;
      const handle = await open(path, 'r+');
      try {
        await handle.truncate(validLength);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    segments.push({ base, length: validLength, readHandle: null });
  }
  return { segments, truncatedBytes };
}

/** Length of the longest prefix made of whole records whose CRC matches. */
export function validPrefixLength(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(at, true);
    const end = at + HEADER_BYTES + length;
    if (end > bytes.length) break;
    if (crc32(bytes.subarray(at + HEADER_BYTES, end)) !== view.getUint32(at + 4, true)) break;
    at = end;
  }
  return at;
}

async function readAckFile(path: string): Promise<{ sequence: number; offset: number }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { sequence: 0, offset: 0 };
    throw error;
  }
  let best = { sequence: 0, offset: 0 };
  for (let slot = 0; slot + ACK_SLOT_BYTES <= bytes.length && slot < 2 * ACK_SLOT_BYTES; slot += ACK_SLOT_BYTES) {
    if (crc32(bytes.subarray(slot, slot + 16)) !== bytes.readUInt32LE(slot + 16)) continue;
    const sequence = Number(bytes.readBigUInt64LE(slot));
    if (sequence > best.sequence) best = { sequence, offset: Number(bytes.readBigUInt64LE(slot + 8)) };
  }
  return best;
}

async function readExactly(handle: FileHandle, into: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`queue segment ended early at ${position + done}`);
    done += bytesRead;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function closeQuietly(handle: FileHandle | null): Promise<void> {
  if (handle) await handle.close().catch(() => undefined);
}

/**
 * One process per queue directory. A lock left by a process that no longer exists (it crashed) is
 * taken over, and so is one this process holds itself (a queue reopened without being closed).
 */
async function takeLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new Error(`queue directory ${dir} is in use by process ${holder}`);
    }
    await rm(path, { force: true });
  }
  throw new Error(`could not lock queue directory ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
