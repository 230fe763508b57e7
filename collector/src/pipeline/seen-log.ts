import { open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Serial } from './serial.ts';
import { crc32 } from 'node:zlib';
import { SPAN_KEY_BYTES as KEY_BYTES } from '../id-table.ts';

/** Frame header: key count (u32 LE), CRC-32 of the rest of the frame (u32 LE), queue position (u64 LE). */
const HEADER_BYTES = 16;

interface Frame {
  position: number;
  keys: Buffer;
}

/**
 * The dedupe processor's seen-set on disk, so a span delivered again after a restart is still
 * recognised once its first copy is no longer in the queue.
 *
 * Each exported batch appends one frame: the queue position where the batch's records end, then the
 * batch's keys. It is written before the queue acknowledges the batch. At start only frames at or
 * before the queue's acknowledged position count: later records are replayed, their spans must reach
 * the workflow processor again so open traces are rebuilt whole, and their keys are written anew.
 *
 * The file keeps the full 24-byte ids, not a hash, so two different spans are never taken for one.
 * A frame cut short or failing its checksum (a crash mid-append) ends the file; nothing after it was
 * ever acknowledged. The file is compacted to the last `maxEntries` keys when opened and whenever it
 * holds twice as many, so it stays below `2 × maxEntries × 24` bytes plus one header per batch.
 */
export class SeenLog {
  private readonly path: string;
  private readonly maxEntries: number;
  private readonly sync: boolean;
  private handle: FileHandle | null = null;
  private readonly serial = new Serial();
  /** Keys in the file, repeats included; triggers compaction. */
  private stored = 0;
  private loaded: Buffer;

  private constructor(path: string, maxEntries: number, sync: boolean, loaded: Buffer) {
    this.path = path;
    this.maxEntries = maxEntries;
    this.sync = sync;
    this.loaded = loaded;
  }

  /** `acknowledged`: the queue's acknowledged position; frames past it are forgotten (replayed). */
  static async open(path: string, options: { maxEntries: number; acknowledged: number; sync?: boolean }): Promise<SeenLog> {
    if (!(options.maxEntries >= 1)) throw new Error('seen log: maxEntries must be at least 1');
    const frames = lastKeys(
      (await readFrames(path)).filter((f) => f.position <= options.acknowledged),
      options.maxEntries,
    );
    const loaded = Buffer.concat(frames.map((f) => f.keys));
    const log = new SeenLog(path, options.maxEntries, options.sync ?? true, loaded);
    await log.rewrite(frames);
    return log;
  }

  /**
   * Keys of acknowledged spans from previous runs (KEY_BYTES each: trace id, then span id), oldest
   * first (at most `maxEntries`, repeats possible).
   */
  keys(): Buffer {
    return this.loaded;
  }

  /** Releases the keys returned by `keys()` once the processor holds them. */
  forgetLoaded(): void {
    this.loaded = Buffer.alloc(0);
  }

  /**
   * Appends one frame: `keys` (KEY_BYTES each: the trace id's bytes, then the span id's) of spans
   * from queue records ending at `position`.
   */
  append(keys: Uint8Array, position: number): Promise<void> {
    return this.serial.run(() => this.appendNow(keys, position));
  }

  private async appendNow(keys: Uint8Array, position: number): Promise<void> {
    if (keys.length % KEY_BYTES !== 0) throw new RangeError(`seen log: ${keys.length} bytes of keys is not a whole number of ${KEY_BYTES}-byte keys`);
    const count = keys.length / KEY_BYTES;
    if (count === 0) return;
    const header = frameHeader(count, Math.max(0, position), keys);
    this.handle ??= await open(this.path, 'a');
    await this.handle.writev([header, keys]);
    if (this.sync) await this.handle.datasync();
    this.stored += count;
    if (this.stored >= 2 * this.maxEntries) await this.rewrite(lastKeys(await readFrames(this.path), this.maxEntries));
  }

  /** Replaces the file with `frames` (written to a temporary file, then renamed over it). */
  private async rewrite(frames: Frame[]): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w');
    let stored = 0;
    try {
      const parts: Buffer[] = [];
      for (const f of frames) {
        const count = f.keys.length / KEY_BYTES;
        parts.push(frameHeader(count, f.position, f.keys), f.keys);
        stored += count;
      }
      if (parts.length > 0) await out.writev(parts);
      if (this.sync) await out.datasync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.path);
    this.stored = stored;
  }

  close(): Promise<void> {
    return this.serial.run(() => this.closeNow());
  }

  private async closeNow(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}

/** The header of a frame of `count` keys (`keys`) from records ending at `position`. */
function frameHeader(count: number, position: number, keys: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(count, 0);
  header.writeBigUInt64LE(BigInt(position), 8);
  header.writeUInt32LE(crc32(keys, crc32(header.subarray(8))), 4);
  return header;
}

/** The frames holding the last `max` keys, the oldest one cut to fit. */
function lastKeys(frames: Frame[], max: number): Frame[] {
  const out: Frame[] = [];
  let room = max;
  for (let i = frames.length - 1; i >= 0 && room > 0; i--) {
    const f = frames[i]!;
    const n = f.keys.length / KEY_BYTES;
    out.push(n <= room ? f : { position: f.position, keys: f.keys.subarray((n - room) * KEY_BYTES) });
    room -= Math.min(n, room);
  }
  return out.reverse();
}

/** Every valid frame in file order; stops at the first torn or corrupt frame. */
async function readFrames(path: string): Promise<Frame[]> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const frames: Frame[] = [];
  let off = 0;
  while (off + HEADER_BYTES <= data.length) {
    const count = data.readUInt32LE(off);
    const end = off + HEADER_BYTES + count * KEY_BYTES;
    if (count === 0 || end > data.length) break;
    if (crc32(data.subarray(off + 8, end)) !== data.readUInt32LE(off + 4)) break;
    frames.push({ position: Number(data.readBigUInt64LE(off + 8)), keys: data.subarray(off + HEADER_BYTES, end) });
    off = end;
  }
  return frames;
}
