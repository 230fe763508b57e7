/**
 * Facts about an SDK client that every call needs (provider name, server address, region), worked
 * out once per client: they come from the client's base URL, which parsing per call would repeat.
 * A client whose base URL changes gets them worked out again.
 */
export class PerClient<T> {
  private readonly cache = new WeakMap<object, { baseURL: unknown; value: T }>();

  get(client: unknown, compute: (client: unknown) => T): T {
    if (!client || typeof client !== 'object') return compute(client);
    const baseURL = (client as { baseURL?: unknown }).baseURL;
    const hit = this.cache.get(client);
    if (hit !== undefined && hit.baseURL === baseURL) return hit.value;
    const value = compute(client);
    this.cache.set(client, { baseURL, value });
    return value;
  }
}
