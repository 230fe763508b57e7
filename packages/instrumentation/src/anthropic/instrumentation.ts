import { isWrapped } from '@opentelemetry/instrumentation';
import type { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { GEN_AI_OPERATION } from '@spendtrace/semconv';
import { GenAIInstrumentationBase, isAsyncIterable, PerClient, observeStream, reportInstrumentationError, sdkModuleDefinition, serverAttributes, stringOrUndefined, traceAPIPromiseMethod } from '../core/index.ts';
import type { CallGuard, PreparedCall, SdkMethod, SpendtraceInstrumentationConfig } from '../core/index.ts';
import { PACKAGE_VERSION } from '../core/version.ts';
import { messageOutcome, messagesInput, messagesRequestAttributes, messagesSystem, MessagesStreamObserver } from './messages.ts';
import { anthropicProviderName, anthropicRegion } from './provider.ts';
import { SdkTracingSwitch } from './sdk-tracing.ts';

export interface AnthropicInstrumentationConfig extends SpendtraceInstrumentationConfig {
  /**
   * Keep the SDK's own `anthropic.messages.create` spans next to ours. Off by default: one call
   * must be one GenAI span, or usage and cost summed over a trace count it twice.
   */
  keepSdkSpans?: boolean;
}

type Resource = { _client?: unknown; create?: SdkMethod };

/** Set while a traced call builds its request: a second patched layer (an instance and its prototype both patched) records nothing. */
const INSIDE_CALL: CallGuard = { active: false };

/**
 * Traces `@anthropic-ai/sdk`: `messages.create` (JSON and `stream: true`), the `messages.stream()`
 * helper (which calls `create`), and the beta messages API, for the Anthropic API and the
 * Bedrock / Vertex clients of the SDK. Cache reads and writes (with the 5 minute / 1 hour split)
 * come from the usage block.
 */
export class AnthropicInstrumentation extends GenAIInstrumentationBase<AnthropicInstrumentationConfig> {
  private readonly clients = new PerClient<ClientFacts>();
  private readonly sdkTracing = new SdkTracingSwitch();

  constructor(config: AnthropicInstrumentationConfig = {}) {
    super('@spendtrace/instrumentation/anthropic', PACKAGE_VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition {
    return sdkModuleDefinition('@anthropic-ai/sdk', ['>=0.20'], this);
  }

  override disable(): void {
    super.disable();
    // The base constructor may disable before this class's fields exist.
    this.sdkTracing?.restoreAll();
  }

  /** Patches an `@anthropic-ai/sdk` module object (e.g. one imported under an alias). Returns it. */
  patchModule<T>(moduleExports: T): T {
    for (const [name, proto] of messagePrototypes(moduleExports)) {
      if (!proto || typeof proto.create !== 'function') {
        if (name === 'messages') this._diag.warn('anthropic: Messages.create not found; messages are not traced');
        continue;
      }
      if (!isWrapped(proto.create)) this._wrap(proto, 'create', (original) => this.wrap(original as SdkMethod));
    }
    return moduleExports;
  }

  unpatchModule(moduleExports: unknown): void {
    for (const [, proto] of messagePrototypes(moduleExports)) {
      if (proto && isWrapped(proto.create)) this._unwrap(proto, 'create');
    }
    this.sdkTracing.restoreAll();
  }

  /** Traces one client instance, whatever the module patching did. Returns the client. */
  instrument<T>(client: T): T {
    const c = client as { messages?: Resource; beta?: { messages?: Resource } } | undefined;
    for (const resource of [c?.messages, c?.beta?.messages]) {
      if (resource && typeof resource.create === 'function' && !isWrapped(resource.create)) {
        this._wrap(resource, 'create', (original) => this.wrap(original as SdkMethod));
      }
    }
    return client;
  }

  private wrap(original: SdkMethod): SdkMethod {
    return traceAPIPromiseMethod(original, INSIDE_CALL, 'anthropic', (self, args) => this.prepare(self as Resource, args));
  }

  private prepare(resource: Resource, args: unknown[]): PreparedCall | undefined {
    const params = args[0];
    if (!params || typeof params !== 'object') return undefined;
    const body = params as Record<string, unknown>;
    const client = resource?._client as { baseURL?: unknown } | undefined;
    if (!this.getConfig().keepSdkSpans) this.sdkTracing.suppress(client);
    const stream = body.stream === true;
    const { provider, server, region } = this.clients.get(client, clientFacts);
    const call = this.recorder.start({
      operation: GEN_AI_OPERATION.CHAT,
      provider,
      requestModel: stringOrUndefined(body.model),
      ...server,
      region,
      stream,
      attributes: messagesRequestAttributes(body),
      inputMessages: () => messagesInput(body),
      systemInstructions: () => messagesSystem(body),
      toolDefinitions: () => body.tools,
    });
    if (!call) return undefined;
    const finish = (result: unknown): unknown => {
      try {
        if (stream && isAsyncIterable(result)) {
          return observeStream(result, call, new MessagesStreamObserver(call.captureContent));
        }
        call.end(messageOutcome(result));
      } catch (error) {
        reportInstrumentationError('anthropic result', error);
        call.end({});
      }
      return result;
    };
    return { call, args, finish };
  }
}

/** Messages and beta Messages prototypes, found by shape. */
function messagePrototypes(moduleExports: unknown): [string, Resource | undefined][] {
  const m = moduleExports as Record<string, unknown> | undefined;
  const Anthropic = (m?.Anthropic ?? (m?.default as Record<string, unknown> | undefined)?.Anthropic ?? m?.default) as Record<string, unknown> | undefined;
  const Messages = (Anthropic?.Messages ?? m?.Messages) as { prototype?: Resource } | undefined;
  const Beta = (Anthropic?.Beta ?? m?.Beta) as { Messages?: { prototype?: Resource } } | undefined;
  return [
    ['messages', Messages?.prototype],
    ['beta.messages', Beta?.Messages?.prototype],
  ];
}

interface ClientFacts {
  provider: string;
  server: ReturnType<typeof serverAttributes>;
  region: ReturnType<typeof anthropicRegion>;
}

function clientFacts(client: unknown): ClientFacts {
  return { provider: anthropicProviderName(client), server: serverAttributes((client as { baseURL?: unknown } | undefined)?.baseURL), region: anthropicRegion(client) };
}
