/**
 * Builds span attribute objects that V8 keeps in fast mode.
 *
 * Storing 30-40 attributes one by one into `{}` through computed keys turns the object into a hash
 * table ("dictionary mode") after about 16 properties: building it then costs about 1 µs, and every
 * `for...in` over it (the ClickHouse encoding of `SpanAttributes`) collects and sorts its keys, another
 * 1 µs.
 * An object literal with the same keys is built in one step with its own hidden class, and stays fast
 * when processors add their attributes later.
 *
 * Spans of one instrumentation carry the same keys in the same order, so each key sequence seen
 * often enough gets a compiled factory `(values) => ({ "k1": values[0], "k2": values[1], ... })`.
 * Key sequences are recognized by the decoder's key-cache slots (one string instance per key), and
 * confirmed key by key. Compiling is bounded: a sequence must recur before it is compiled, at most
 * `MAX_SHAPES` factories exist, and anything else (rare shapes, very long attribute lists, a
 * `__proto__` key, which a literal would treat as the prototype; a runtime that forbids compiling
 * code) takes the plain path, with the same resulting keys, values and order.
 */
import type { AttrValue, Attributes } from '../model.ts';

type Factory = (values: readonly AttrValue[]) => Attributes;

interface Shape {
  keys: readonly string[];
  make: Factory;
}

/** Compiled factories at most (each is a small function; the set covers any realistic fleet). */
const MAX_SHAPES = 1024;
/** Longer attribute lists are rare and take the plain path. */
const MAX_SHAPE_KEYS = 128;
/** Sightings before a key sequence is compiled: one-off sequences never cost a compile. */
const SIGHTINGS_BEFORE_COMPILE = 4;
/** Tracked sightings of not-yet-compiled sequences at most (then the tally starts over). */
const MAX_CANDIDATES = 4096;

/**
 * Compiled shapes by key-sequence hash. Different sequences can share a hash (keys that share a
 * key-cache slot hash alike), so each hash holds a few shapes side by side instead of one that
 * colliding sequences would keep replacing, and recompiling.
 */
const shapes = new Map<number, Shape[]>();
/** Shapes kept per hash at most. */
const MAX_SHAPES_PER_HASH = 4;
let shapeCount = 0;
const candidates = new Map<number, number>();

/** Factories compiled so far (bounded by `MAX_SHAPES`); for tests of the bounds. */
export function compiledShapeCount(): number {
  return shapeCount;
}

/** False when the runtime forbids compiling code (`--disallow-code-generation-from-strings`). */
let canCompile = true;

function compile(keys: readonly string[]): Factory | undefined {
  const fields = keys.map((key, i) => `${JSON.stringify(key)}: values[${i}]`).join(', ');
  try {
    return new Function('values', `return { ${fields} };`) as Factory;
  } catch {
    canCompile = false;
    return undefined;
  }
}

/** Collects one span's attributes in order, then builds the object (`build`). */
export class AttributeCollector {
  private readonly keys: string[] = [];
  private readonly values: AttrValue[] = [];
  private count = 0;
  private hash = 0;
  /** False once a key without a cache slot (or `__proto__`) was added: the sequence is not shaped. */
  private shapeable = true;

  reset(): void {
    this.count = 0;
    this.hash = 0;
    this.shapeable = true;
  }

  /** `slot`: the key's key-cache slot, or -1 for a key the cache does not hold. */
  add(key: string, value: AttrValue, slot: number): void {
    const i = this.count++;
    this.keys[i] = key;
    this.values[i] = value;
    if (slot < 0 || key === '__proto__') this.shapeable = false;
    this.hash = (Math.imul(this.hash, 0x01000193) + slot + 1) | 0;
  }

  build(): Attributes {
    const n = this.count;
    if (n === 0) return {};
    if (this.shapeable && n <= MAX_SHAPE_KEYS) {
      const bucket = shapes.get(this.hash);
      if (bucket !== undefined) {
        for (const shape of bucket) if (this.sameKeys(shape.keys)) return shape.make(this.values);
      }
      if (canCompile && (bucket === undefined || bucket.length < MAX_SHAPES_PER_HASH) && this.recurs()) {
        const keys = this.keys.slice(0, n);
        const make = compile(keys);
        if (make !== undefined) {
          if (bucket === undefined) shapes.set(this.hash, [{ keys, make }]);
          else bucket.push({ keys, make });
          shapeCount++;
          return make(this.values);
        }
      }
    }
    return this.plain();
  }

  private sameKeys(keys: readonly string[]): boolean {
    if (keys.length !== this.count) return false;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== this.keys[i]) return false;
    return true;
  }

  /** Counts a sighting of this sequence; true when it should be compiled now. */
  private recurs(): boolean {
    if (shapeCount >= MAX_SHAPES) return false;
    const seen = (candidates.get(this.hash) ?? 0) + 1;
    if (seen < SIGHTINGS_BEFORE_COMPILE) {
      if (candidates.size >= MAX_CANDIDATES) candidates.clear();
      candidates.set(this.hash, seen);
      return false;
    }
    candidates.delete(this.hash);
    return true;
  }

  private plain(): Attributes {
    const out: Attributes = {};
    for (let i = 0; i < this.count; i++) setAttribute(out, this.keys[i]!, this.values[i]!);
    return out;
  }
}

/**
 * Stores an attribute on a plain object. A key of "__proto__" would otherwise replace the
 * object's prototype instead of becoming an attribute.
 */
export function setAttribute(into: { [key: string]: AttrValue }, key: string, value: AttrValue): void {
  if (key === '__proto__') Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  else into[key] = value;
}

