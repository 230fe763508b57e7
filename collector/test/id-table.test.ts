import { describe, expect, it } from 'vitest';
import { IdTable, packHexId, packSpanIdOrEmpty, packStringHash } from '../src/id-table.ts';

/** A table of 8-byte ids (two words) with one word and one string of payload. */
function table(maxEntries: number): IdTable {
  return new IdTable({ maxEntries, keyWords: 2, valueWords: 1, stringsPerEntry: 1 });
}

function idOf(n: number): string {
  return n.toString(16).padStart(16, '0');
}

function setId(t: IdTable, n: number, value?: number): boolean {
  expect(packHexId(idOf(n), 2, t.key, 0)).toBe(true);
  const present = t.set();
  if (value !== undefined) {
    t.setValue(t.newest, 0, value);
    t.setString(t.newest, 0, `v${value}`);
  }
  return present;
}

function getId(t: IdTable, n: number): [number, string] | undefined {
  packHexId(idOf(n), 2, t.key, 0);
  const e = t.find();
  return e < 0 ? undefined : [t.value(e, 0), t.string(e, 0)];
}

describe('IdTable', () => {
  it('forgets the least recently set key first; setting a key again keeps its payload and makes it the newest', () => {
    const t = table(3);
    expect([setId(t, 1, 10), setId(t, 2, 20), setId(t, 3, 30)]).toEqual([false, false, false]);
    expect(setId(t, 1)).toBe(true);
    expect(getId(t, 1)).toEqual([10, 'v10']);
    expect(setId(t, 4, 40)).toBe(false);
    expect([1, 2, 3, 4].map((n) => getId(t, n))).toEqual([[10, 'v10'], undefined, [30, 'v30'], [40, 'v40']]);
    expect(t.size).toBe(3);
    // A forgotten key comes back without its old payload.
    expect(setId(t, 2)).toBe(false);
    expect(getId(t, 2)).toEqual([0, '']);
    expect([1, 3].map((n) => getId(t, n) !== undefined)).toEqual([true, false]);
  });

  it('keeps exactly the newest entries and their payloads through many refreshes, evictions and compactions', () => {
    const max = 1000;
    const t = table(max);
    const reference = new Map<number, number>(); // delete + set keeps insertion order = recency
    let wrong = 0;
    for (let i = 1; i <= 200_000; i++) {
      // Half new keys, half a recent key again (which fills the ring with dead entries, so it is
      // compacted again and again), sometimes one just forgotten.
      const key = i % 2 === 0 ? Math.max(1, i - 1 - (i % 1200)) : i;
      const before = reference.get(key);
      packHexId(idOf(key), 2, t.key, 0);
      if (t.set() !== (before !== undefined)) wrong++;
      if (before !== undefined && t.value(t.newest, 0) !== before) wrong++;
      t.setValue(t.newest, 0, i);
      reference.delete(key);
      reference.set(key, i);
      while (reference.size > max) reference.delete(reference.keys().next().value!);
    }
    expect(wrong).toBe(0);
    expect(t.size).toBe(max);
    for (const [key, value] of reference) if (getId(t, key)?.[0] !== value) wrong++;
    expect(wrong).toBe(0);
    let held = 0;
    for (let key = 1; key <= 200_000; key++) if (getId(t, key) !== undefined) held++;
    expect(held).toBe(max);
  });

  it('finds every key whose hashes collide in one probe run, after deletions from the middle of it', () => {
    // 4,000 keys in a table of 8,192 slots form long runs; evicting the oldest half shifts entries back.
    const t = new IdTable({ maxEntries: 4000, keyWords: 1 });
    for (let i = 1; i <= 6000; i++) {
      t.key[0] = i * 7919;
      t.set();
    }
    const present: number[] = [];
    for (let i = 1; i <= 6000; i++) {
      t.key[0] = i * 7919;
      if (t.has()) present.push(i);
    }
    expect(present.length).toBe(4000);
    expect([present[0], present.at(-1)]).toEqual([2001, 6000]);
  });

  it('rejects a size it cannot hold', () => {
    expect(() => new IdTable({ maxEntries: 0, keyWords: 2 })).toThrow('IdTable: maxEntries must be a positive integer, got 0');
    expect(() => new IdTable({ maxEntries: 1, keyWords: 0 })).toThrow('IdTable: keyWords must be a positive integer, got 0');
  });
});

describe('id packing', () => {
  it('packs lower-case hex ids word by word and refuses anything else', () => {
    const out = new Uint32Array(4);
    expect(packHexId('0af7651916cd43dd8448eb211c80319c', 4, out, 0)).toBe(true);
    expect([...out]).toEqual([0x0af76519, 0x16cd43dd, 0x8448eb21, 0x1c80319c]);
    expect(packHexId('ffffffff00000001', 2, out, 2)).toBe(true);
    expect([out[2], out[3]]).toEqual([0xffffffff, 1]);
    expect(packHexId('0AF7651916CD43DD', 2, out, 0)).toBe(false);
    expect(packHexId('0af7651916cd43dg', 2, out, 0)).toBe(false);
    expect(packHexId('0af7651916cd43d\u0130', 2, out, 0)).toBe(false);
    expect(packHexId('0af7651916cd43d', 2, out, 0)).toBe(false);
    expect(packSpanIdOrEmpty('', out, 0)).toBe(true);
    expect([out[0], out[1]]).toEqual([0, 0]);
  });

  it('hashes strings to two words that differ for different strings and agree for equal ones', () => {
    const seen = new Set<string>();
    const out = new Uint32Array(2);
    for (let i = 0; i < 50_000; i++) {
      packStringHash(`chatcmpl-${i}`, out, 0);
      seen.add(`${out[0]}:${out[1]}`);
    }
    expect(seen.size).toBe(50_000);
    packStringHash('resp_1', out, 0);
    const first = [...out];
    packStringHash(['resp', '1'].join('_'), out, 0);
    expect([...out]).toEqual(first);
    packStringHash('', out, 0);
    const empty = [...out];
    packStringHash('\u0000', out, 0);
    expect([...out]).not.toEqual(empty);
  });
});
