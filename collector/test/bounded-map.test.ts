import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../src/bounded-map.ts';

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
    map.set('a', 10); // a is now the newest: b goes first
    map.set('d', 4);
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

  it('rejects a size that is not a positive integer', () => {
    expect(() => new BoundedMap(0)).toThrow('BoundedMap: maxEntries must be a positive integer, got 0');
  });
});
