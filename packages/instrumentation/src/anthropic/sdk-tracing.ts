/**
 * @anthropic-ai/sdk (1.x) starts its own `anthropic.messages.create` CLIENT span for every call, with
 * `gen_ai.operation.name = chat` and its own usage attributes. Next to ours that would be two
 * GenAI spans for one call, and a collector summing usage or cost per trace would count it twice.
 * While the instrumentation is enabled, the SDK's tracer is therefore switched off on each client
 * the first time it makes a call (its `_tracer` is set aside), and put back on disable.
 */
interface TracedClient {
  _tracer?: unknown;
}

export class SdkTracingSwitch {
  private readonly saved = new WeakMap<object, unknown>();
  private readonly clients = new Set<WeakRef<object>>();

  /** Turns the SDK's own spans off for `client`, remembering its tracer. */
  suppress(client: unknown): void {
    if (!client || typeof client !== 'object') return;
    const traced = client as TracedClient;
    if (!traced._tracer) return;
    this.saved.set(client, traced._tracer);
    // Apps that build a client per request would otherwise grow this set without bound.
    if (this.clients.size >= 1024) this.pruneCollected();
    this.clients.add(new WeakRef(client));
    traced._tracer = undefined;
  }

  private pruneCollected(): void {
    for (const ref of this.clients) if (ref.deref() === undefined) this.clients.delete(ref);
  }

  /** Gives every client whose tracer was set aside its tracer back. */
  restoreAll(): void {
    for (const ref of this.clients) {
      const client = ref.deref() as TracedClient | undefined;
      if (client && client._tracer === undefined && this.saved.has(client)) client._tracer = this.saved.get(client);
    }
    this.clients.clear();
  }
}
