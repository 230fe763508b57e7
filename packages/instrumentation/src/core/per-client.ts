/**
 * Facts about an SDK client that every call needs (provider name, server address, region), worked
 * out once per client: they come from the client's base URL, which parsing per call would repeat.
 * A client whose base URL changes gets them worked out again; `baseURLOf` reads it (default: the
 * client's `baseURL` field, as openai and @anthropic-ai/sdk keep it).
 */
export class PerClient<T> {
  private readonly cache = new WeakMap<object, { baseURL: unknown; value: T }>();
  private readonly baseURLOf: (client: object) => unknown;

  constructor(baseURLOf: (client: object) => unknown = (client) => (client as { baseURL?: unknown }).baseURL) {
    this.baseURLOf = baseURLOf;
  }

  get(client: unknown, compute: (client: unknown) => T): T {
    if (!client || typeof client !== 'object') return compute(client);
    const baseURL = this.baseURLOf(client);
    const hit = this.cache.get(client);
    if (hit !== undefined && hit.baseURL === baseURL) return hit.value;
    const value = compute(client);
    this.cache.set(client, { baseURL, value });
    return value;
  }
}
