import { open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/** Bytes of one key: the 16-byte trace id followed by the 8-byte span id. */
const KEY_BYTES = 24;
/** Frame header: key count (u32 LE), CRC-32 of the keys (u32 LE). */
const HEADER_BYTES = 8;

/**
 * The dedupe processor's seen-set on disk: the ids of spans in acknowledged queue records, so a span
 * delivered again after a restart is still recognised once its first copy is no longer replayed.
 *
 * Why acknowledged records only: records not yet acknowledged are replayed after a crash, and their
 * spans must reach the workflow processor again so open traces are rebuilt whole. The keys of a batch
 * are appended before the queue acknowledges it; a crash between the two replays records whose spans
 * are all already stored (that is why they could be acknowledged), and dropping them is right.
 *
 * The file is append-only: one frame per acknowledgement, `count, crc32, count × (trace id, span id)`.
 * The full 24-byte ids are kept, not a hash, so two different spans can never be taken for one.
 * A frame cut short or failing its checksum (a crash mid-append) ends the file; the keys in it were
 * never acknowledged. The file is compacted to the last `maxEntries` keys when opened and whenever it
 * holds twice as many, so it stays below `2 × maxEntries × 24` bytes plus headers.
 */
export class SeenLog {
  private readonly path: string;
  private readonly maxEntries: number;
  private readonly sync: boolean;
  private handle: FileHandle | null = null;
  /** Keys in the file, duplicates included; triggers compaction. */
  private stored = 0;
  private loaded: string[];

  private constructor(path: string, maxEntries: number, sync: boolean, loaded: string[]) {
    this.path = path;
    this.maxEntries = maxEntries;
    this.sync = sync;
    this.loaded = loaded;
  }

  static async open(path: string, options: { maxEntries: number; sync?: boolean }): Promise<SeenLog> {
    if (!(options.maxEntries >= 1)) throw new Error('seen log: maxEntries must be at least 1');
    const keys = await readKeys(path);
    const tail = keys.subarray(Math.max(0, keys.length - options.maxEntries * KEY_BYTES));
    const loaded: string[] = [];
    for (let off = 0; off < tail.length; off += KEY_BYTES) loaded.push(tail.toString('hex', off, off + KEY_BYTES));
    const log = new SeenLog(path, options.maxEntries, options.sync ?? true, loaded);
    await log.rewrite(tail);
    return log;
  }

  /** Keys remembered from previous runs, oldest first (at most `maxEntries`, repeats possible). */
  keys(): readonly string[] {
    return this.loaded;
  }

  /** Releases the keys returned by `keys()` once the processor holds them. */
  forgetLoaded(): void {
    this.loaded = [];
  }

  /**
   * Appends one frame with `keys` (trace id + span id as 48 lower-case hex digits). Keys of any other
   * shape (a span with malformed ids) are skipped: they stay deduplicated in memory only.
   */
  async append(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const frame = Buffer.allocUnsafe(HEADER_BYTES + keys.length * KEY_BYTES);
    let off = HEADER_BYTES;
    for (const key of keys) {
      if (key.length !== KEY_BYTES * 2) continue;
      if (frame.write(key, off, KEY_BYTES, 'hex') !== KEY_BYTES) continue;
      off += KEY_BYTES;
    }
    const count = (off - HEADER_BYTES) / KEY_BYTES;
    if (count === 0) return;
    const body = frame.subarray(HEADER_BYTES, off);
    frame.writeUInt32LE(count, 0);
    frame.writeUInt32LE(crc32(body), 4);
    this.handle ??= await open(this.path, 'a');
    await this.handle.write(frame, 0, off);
    if (this.sync) await this.handle.datasync();
    this.stored += count;
    if (this.stored >= 2 * this.maxEntries) await this.compact();
  }

  private async compact(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    const keys = await readKeys(this.path);
    await this.rewrite(keys.subarray(Math.max(0, keys.length - this.maxEntries * KEY_BYTES)));
  }

  /** Replaces the file with one frame holding `keys` (written to a temporary file, then renamed). */
  private async rewrite(keys: Buffer): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w');
    try {
      if (keys.length > 0) {
        const header = Buffer.allocUnsafe(HEADER_BYTES);
        header.writeUInt32LE(keys.length / KEY_BYTES, 0);
        header.writeUInt32LE(crc32(keys), 4);
        await out.writev([header, keys]);
      }
      if (this.sync) await out.datasync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.path);
    this.stored = keys.length / KEY_BYTES;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}

/** Every key of the valid frames, in file order; stops at the first torn or corrupt frame. */
async function readKeys(path: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
  const parts: Buffer[] = [];
  let off = 0;
  while (off + HEADER_BYTES <= data.length) {
    const count = data.readUInt32LE(off);
    const end = off + HEADER_BYTES + count * KEY_BYTES;
    if (count === 0 || end > data.length) break;
    const body = data.subarray(off + HEADER_BYTES, end);
    if (crc32(body) !== data.readUInt32LE(off + 4)) break;
    parts.push(body);
    off = end;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
