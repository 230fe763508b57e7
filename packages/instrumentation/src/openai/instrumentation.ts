import { isWrapped } from '@opentelemetry/instrumentation';
import type { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { GEN_AI_OPERATION } from '@spendtrace/semconv';
import { GenAIInstrumentationBase, isAsyncIterable, observeStream, PerClient, reportInstrumentationError, sdkModuleDefinition, serverAttributes, stringOrUndefined, traceAPIPromiseMethod } from '../core/index.ts';
import type { CallGuard, GenAICallOutcome, GenAICallStart, PreparedCall, SdkMethod, SpendtraceInstrumentationConfig, StreamObserver } from '../core/index.ts';
import { PACKAGE_VERSION } from '../core/version.ts';
import { ChatStreamObserver, chatInputMessages, chatOutcome, chatRequestAttributes, chatSystemInstructions } from './chat.ts';
import { embeddingsOutcome, embeddingsRequestAttributes } from './embeddings.ts';
import { openAIProviderName } from './provider.ts';
import { ResponsesStreamObserver, responsesInputMessages, responsesOutcome, responsesRequestAttributes } from './responses.ts';

export interface OpenAIInstrumentationConfig extends SpendtraceInstrumentationConfig {
  /**
   * Add `stream_options: { include_usage: true }` to streamed chat completions that do not set it,
   * so streamed calls get usage and cost. The extra usage-only chunk is kept from the caller.
   * Default: true.
   */
  includeUsageInStream?: boolean;
}

type Kind = 'chat' | 'responses' | 'embeddings';
interface ClientInfo {
  provider: string;
  serverAddress: string | undefined;
  serverPort: number | undefined;
}
type CreateFn = (this: unknown, ...args: unknown[]) => unknown;
type Resource = { _client?: unknown; create?: CreateFn };

/** Set while a traced call builds its request: a second patched layer (an instance and its prototype both patched) records nothing. */
const INSIDE_CALL: CallGuard = { active: false };

/**
 * Traces the `openai` SDK (v4 and later): chat completions (and `parse`, which calls `create`),
 * the Responses API and embeddings, streamed or not, for OpenAI and every OpenAI-compatible
 * provider reached through the SDK. Patches the resource prototypes, so clients created before and
 * after enabling are covered; `instrument(client)` covers a single client where module patching
 * cannot reach (bundled apps, aliased packages), and `patchModule` a module object loaded under
 * another name.
 */
export class OpenAIInstrumentation extends GenAIInstrumentationBase<OpenAIInstrumentationConfig> {
  /** Provider and server of each client, read once: base URLs do not change after construction. */
  private readonly clients = new PerClient<ClientInfo>();

  constructor(config: OpenAIInstrumentationConfig = {}) {
    super('@spendtrace/instrumentation/openai', PACKAGE_VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition {
    return sdkModuleDefinition('openai', ['>=4'], this);
  }

  /** Patches an `openai` module object (e.g. one imported under an alias). Returns it. */
  patchModule<T>(moduleExports: T): T {
    const missing: string[] = [];
    for (const [kind, proto] of resourcePrototypes(moduleExports)) {
      if (!proto || typeof proto.create !== 'function') {
        missing.push(`${kind}.create`);
        continue;
      }
      if (!isWrapped(proto.create)) this._wrap(proto, 'create', this.wrapper(kind));
    }
    // One line for whatever is missing, so a drifted SDK announces itself once, not per resource.
    if (missing.length > 0) this._diag.warn(`openai: ${missing.join(', ')} not found (unsupported SDK shape); those calls are not traced`);
    return moduleExports;
  }

  unpatchModule(moduleExports: unknown): void {
    for (const [, proto] of resourcePrototypes(moduleExports)) {
      if (proto && isWrapped(proto.create)) this._unwrap(proto, 'create');
    }
  }

  /** Traces one client instance, whatever the module patching did. Returns the client. */
  instrument<T>(client: T): T {
    const c = client as { chat?: { completions?: Resource }; responses?: Resource; embeddings?: Resource } | undefined;
    const resources: [Kind, Resource | undefined][] = [
      ['chat', c?.chat?.completions],
      ['responses', c?.responses],
      ['embeddings', c?.embeddings],
    ];
    for (const [kind, resource] of resources) {
      if (resource && typeof resource.create === 'function' && !isWrapped(resource.create)) this._wrap(resource, 'create', this.wrapper(kind));
    }
    return client;
  }

  private wrapper(kind: Kind): (original: CreateFn | undefined) => CreateFn {
    return (original) => traceAPIPromiseMethod(original as SdkMethod, INSIDE_CALL, 'openai', (self, args) => this.prepare(kind, self as Resource, args));
  }

  private clientInfo(client: unknown): ClientInfo {
    return this.clients.get(client, (c) => {
      const { serverAddress, serverPort } = serverAttributes((c as { baseURL?: unknown } | undefined)?.baseURL);
      return { provider: openAIProviderName(c), serverAddress, serverPort };
    });
  }

  private prepare(kind: Kind, resource: Resource, args: unknown[]): PreparedCall | undefined {
    const params = args[0];
    if (!params || typeof params !== 'object') return undefined;
    const body = params as Record<string, unknown>;
    const { provider, serverAddress, serverPort } = this.clientInfo(resource?._client);
    const stream = body.stream === true;
    let callArgs = args;
    let spec: GenAICallStart;
    let outcome: (response: unknown) => GenAICallOutcome;
    let observer: ((captureContent: boolean) => StreamObserver<unknown>) | undefined;

    // One object literal per kind, so every call's spec has the same shape.
    if (kind === 'chat') {
      let hideUsage = false;
      const options = body.stream_options as { include_usage?: unknown } | null | undefined;
      if (stream && this.getConfig().includeUsageInStream !== false && (options == null || options.include_usage === undefined)) {
        // A copy: the caller's params object is theirs and may be reused.
        callArgs = [{ ...body, stream_options: { ...(options ?? {}), include_usage: true } }, ...args.slice(1)];
        hideUsage = true;
      }
      spec = {
        operation: GEN_AI_OPERATION.CHAT,
        provider,
        requestModel: stringOrUndefined(body.model),
        serverAddress,
        serverPort,
        serviceTier: stringOrUndefined(body.service_tier),
        stream,
        attributes: chatRequestAttributes(body),
        inputMessages: () => chatInputMessages(body.messages),
        systemInstructions: () => chatSystemInstructions(body.messages),
        toolDefinitions: () => body.tools,
      };
      outcome = (response) => chatOutcome(response, provider);
      observer = (captureContent) => new ChatStreamObserver(provider, hideUsage, captureContent);
    } else if (kind === 'responses') {
      spec = {
        operation: GEN_AI_OPERATION.CHAT,
        provider,
        requestModel: stringOrUndefined(body.model),
        serverAddress,
        serverPort,
        serviceTier: stringOrUndefined(body.service_tier),
        stream,
        attributes: responsesRequestAttributes(body),
        inputMessages: () => responsesInputMessages(body),
        systemInstructions: () => (typeof body.instructions === 'string' ? [{ type: 'text', content: body.instructions }] : undefined),
        toolDefinitions: () => body.tools,
      };
      outcome = responsesOutcome;
      observer = () => new ResponsesStreamObserver();
    } else {
      spec = {
        operation: GEN_AI_OPERATION.EMBEDDINGS,
        provider,
        requestModel: stringOrUndefined(body.model),
        serverAddress,
        serverPort,
        serviceTier: stringOrUndefined(body.service_tier),
        attributes: embeddingsRequestAttributes(body),
      };
      outcome = embeddingsOutcome;
    }

    const call = this.recorder.start(spec);
    if (!call) return undefined;
    const finish = (result: unknown): unknown => {
      try {
        if (stream && observer && isAsyncIterable(result)) {
          return observeStream(result, call, observer(call.captureContent));
        }
        call.end(outcome(result));
      } catch (error) {
        reportInstrumentationError('openai result', error);
        call.end({});
      }
      return result;
    };
    return { call, args: callArgs, finish };
  }
}

/** The resource prototypes to patch, found by shape so that SDK versions which moved them are detected, not assumed. */
function resourcePrototypes(moduleExports: unknown): [Kind, Resource | undefined][] {
  const m = moduleExports as Record<string, unknown> | undefined;
  const OpenAI = (m?.OpenAI ?? (m?.default as Record<string, unknown> | undefined)?.OpenAI ?? m?.default) as Record<string, unknown> | undefined;
  const Chat = (OpenAI?.Chat ?? m?.Chat) as { Completions?: { prototype?: Resource } } | undefined;
  const proto = (name: string): Resource | undefined => ((OpenAI?.[name] ?? m?.[name]) as { prototype?: Resource } | undefined)?.prototype;
  return [
    ['chat', Chat?.Completions?.prototype],
    ['responses', proto('Responses')],
    ['embeddings', proto('Embeddings')],
  ];
}
