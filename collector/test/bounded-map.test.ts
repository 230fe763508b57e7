import { describe, expect, it } from 'vitest';
import { BoundedMap, OrderedMap } from '../src/bounded-map.ts';

/** Which of `candidates` the map still holds (probed by `has`: the map offers no iteration). */
function held(map: BoundedMap<string, number>, candidates: string[]): string[] {
  return candidates.filter((k) => map.has(k));
}

describe('BoundedMap', () => {
  it('forgets the least recently set key first, and setting a key again makes it the newest', () => {
    const map = new BoundedMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    expect(map.set('a', 10)).toBe(true); // present already; now the newest, so b goes first
    expect(map.set('d', 4)).toBe(false);
    expect(held(map, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
    expect([map.get('a'), map.get('b'), map.size]).toEqual([10, undefined, 3]);
    map.set('e', 5);
    expect(held(map, ['a', 'b', 'c', 'd', 'e'])).toEqual(['a', 'd', 'e']);
  });

  it('keeps exactly the newest entries through many refreshes and evictions (queue compaction included)', () => {
    const max = 1000;
    const map = new BoundedMap<string, number>(max);
    const reference = new Map<string, number>(); // delete + set keeps insertion order = recency
    for (let i = 0; i < 200_000; i++) {
      // Mostly new keys, often a recent key again.
      const key = i % 3 === 0 ? `k${Math.max(0, i - 1 - (i % 500))}` : `k${i}`;
      map.set(key, i);
      reference.delete(key);
      reference.set(key, i);
      while (reference.size > max) reference.delete(reference.keys().next().value!);
    }
    expect(map.size).toBe(max);
    for (const [key, value] of reference) expect(map.get(key)).toBe(value);
  });

  it('OrderedMap: oldest key and values in the order keys were last set, deletions allowed while iterating', () => {
    const map = new OrderedMap<string, number>();
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) map.set(k, v);
    map.set('b', 20);
    map.delete('a');
    expect([map.oldestKey(), [...map.values()]]).toEqual(['c', [3, 4, 20]]);
    const seen: number[] = [];
    for (const v of map.values()) {
      seen.push(v);
      map.delete('d'); // deleting ahead of the iteration hides it
      map.delete('c');
    }
    expect([seen, map.size, map.oldestKey()]).toEqual([[3, 20], 1, 'b']);
    map.delete('b');
    expect([map.oldestKey(), [...map.values()]]).toEqual([undefined, []]);
  });

  it('OrderedMap: stays exact through long runs of sets and deletes (queue compaction included)', () => {
    const map = new OrderedMap<number, number>();
    const reference = new Map<number, number>();
    for (let i = 0; i < 300_000; i++) {
      map.set(i, i);
      reference.set(i, i);
      // Delete mostly the oldest (as flushed traces), sometimes one in the middle.
      if (i % 7 === 0) {
        const key = i - 50;
        map.delete(key);
        reference.delete(key);
      }
      if (reference.size > 1000) {
        const oldest = map.oldestKey()!;
        expect(oldest).toBe(reference.keys().next().value);
        map.delete(oldest);
        reference.delete(oldest);
      }
    }
    expect([...map.values()]).toEqual([...reference.values()]);
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => new BoundedMap(0)).toThrow('BoundedMap: maxEntries must be a positive integer, got 0');
  });
});
