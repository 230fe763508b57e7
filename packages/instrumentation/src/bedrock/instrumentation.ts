import { context } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import type { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { ATTR_CLOUD_REGION, GEN_AI_OPERATION, GEN_AI_PROVIDER } from '@spendtrace/semconv';
import {
  GenAIInstrumentationBase,
  isAsyncIterable,
  isPromiseLike,
  observeStream,
  reportInstrumentationError,
  runInCall,
  sdkModuleDefinition,
  stringOrUndefined,
  tracePromiseCall,
} from '../core/index.ts';
import type { GenAICall, GenAICallOutcome, GenAICallStart, SpendtraceInstrumentationConfig, StreamObserver } from '../core/index.ts';
import { profilePrefixOf, targetOf } from './client.ts';
import type { BedrockTarget } from './client.ts';
import {
  converseInputMessages,
  converseOutcome,
  converseRequestAttributes,
  ConverseStreamAccumulator,
  converseSystemInstructions,
  converseToolDefinitions,
} from './converse.ts';
import {
  AnthropicChunkAccumulator,
  anthropicInputMessages,
  anthropicRequestAttributes,
  anthropicSystemInstructions,
  invokeOutcome,
  isAnthropicInvoke,
  parseJsonBody,
} from './invoke.ts';

/** Options of {@link BedrockInstrumentation}; the shared spendtrace options apply as documented there. */
export type BedrockInstrumentationConfig = SpendtraceInstrumentationConfig;

const INSTRUMENTATION_NAME = '@spendtrace/instrumentation/bedrock';
const INSTRUMENTATION_VERSION = '0.1.0';

/** The commands traced, by class name, and where their streamed events live in the output. */
const COMMANDS = {
  ConverseCommand: { api: 'converse', streamField: undefined },
  ConverseStreamCommand: { api: 'converse', streamField: 'stream' },
  InvokeModelCommand: { api: 'invoke', streamField: undefined },
  InvokeModelWithResponseStreamCommand: { api: 'invoke', streamField: 'body' },
} as const;
type CommandName = keyof typeof COMMANDS;
type CommandInfo = (typeof COMMANDS)[CommandName];

interface CommandLike {
  input?: { modelId?: unknown; body?: unknown };
}
type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type SendCallback = (error: unknown, output?: unknown) => void;

function commandInfoOf(command: unknown): CommandInfo | undefined {
  const name = (command as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
}

/**
 * Traces `@aws-sdk/client-bedrock-runtime`: Converse, ConverseStream, and InvokeModel /
 * InvokeModelWithResponseStream with Anthropic model bodies, as `chat` spans of provider
 * `aws.bedrock`. It patches `BedrockRuntimeClient.prototype.send` and recognises commands by class
 * name (other commands pass through untouched). `cloud.region` comes from the client; the
 * inference-profile prefix of the model id (`us.`, `eu.`, `global.`…), else the client's region, is
 * passed to pricing so regional premiums apply. Streams are observed as the caller reads them,
 * without buffering, and request and response bodies are read without being consumed or changed.
 */
export class BedrockInstrumentation extends GenAIInstrumentationBase<BedrockInstrumentationConfig> {
  constructor(config: BedrockInstrumentationConfig = {}) {
    super(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [sdkModuleDefinition('@aws-sdk/client-bedrock-runtime', ['>=3.0.0'], this)];
  }

  /** Patches `BedrockRuntimeClient.prototype.send` of a loaded module; used by the module hooks. */
  patchModule<T>(moduleExports: T): T {
    try {
      const proto = (moduleExports as { BedrockRuntimeClient?: { prototype?: { send?: unknown } } } | undefined)?.BedrockRuntimeClient?.prototype;
      if (!proto || typeof proto.send !== 'function') {
        this._diag.warn('@aws-sdk/client-bedrock-runtime: BedrockRuntimeClient.send not found (unsupported SDK shape); calls are not traced');
        return moduleExports;
      }
      if (isWrapped(proto.send)) this._unwrap(proto, 'send');
      this._wrap(proto, 'send', (original) => this.wrapSend(original as AnyFunction) as never);
    } catch (error) {
      this._diag.warn('@aws-sdk/client-bedrock-runtime: patching failed; calls are not traced', error);
    }
    return moduleExports;
  }

  unpatchModule(moduleExports: unknown): void {
    try {
      const proto = (moduleExports as { BedrockRuntimeClient?: { prototype?: { send?: unknown } } } | undefined)?.BedrockRuntimeClient?.prototype;
      if (proto && isWrapped(proto.send)) this._unwrap(proto, 'send');
    } catch (error) {
      this._diag.warn('@aws-sdk/client-bedrock-runtime: unpatching failed', error);
    }
  }

  /**
   * Traces one client without module hooks (bundled apps): the instance gets a traced `send` of its
   * own. Returns whether the client was recognised; a client whose class is already patched through
   * the module hooks is left as is, so calls are never traced twice.
   */
  instrumentClient(client: unknown): boolean {
    try {
      const c = client as { send?: unknown; middlewareStack?: unknown } | null;
      if (typeof c?.send !== 'function' || typeof c.middlewareStack !== 'object') return false;
      if (isWrapped(c.send)) return true;
      // A traced own `send` on this instance, marked as wrapped so instrumenting it again is a no-op.
      this._wrap(c as { send: AnyFunction }, 'send', (original) => this.wrapSend(original as AnyFunction) as never);
      return true;
    } catch (error) {
      this._diag.warn('@aws-sdk/client-bedrock-runtime: instrumentClient failed; the client is not traced', error);
      return false;
    }
  }

  /** A `BedrockRuntimeClient` traced as by {@link instrumentClient}, returned for chaining (the `instrument(client)` path). */
  instrument<T>(client: T): T {
    this.instrumentClient(client);
    return client;
  }

  private wrapSend(original: AnyFunction): AnyFunction {
    const instrumentation = this;
    return function tracedSend(this: unknown, ...args: unknown[]): unknown {
      const info = commandInfoOf(args[0]);
      if (!info) return original.apply(this, args);
      let target: BedrockTarget | Promise<BedrockTarget>;
      try {
        target = targetOf(this);
      } catch (error) {
        reportInstrumentationError('@aws-sdk/client-bedrock-runtime client', error);
        return original.apply(this, args);
      }
      if (!isPromiseLike(target)) return instrumentation.traceSend(this, original, args, info, target);
      // The region or endpoint is a provider: read it first, as the SDK itself does before sending.
      const lastArg = args[args.length - 1];
      const parent = context.active();
      const traced = target.then((resolved) => context.with(parent, () => instrumentation.traceSend(this, original, args, info, resolved)));
      if (typeof lastArg === 'function') {
        traced.then(undefined, (error: unknown) => reportInstrumentationError('@aws-sdk/client-bedrock-runtime send', error));
        return undefined;
      }
      return traced;
    };
  }

  private traceSend(client: unknown, original: AnyFunction, args: unknown[], info: CommandInfo, target: BedrockTarget): unknown {
    const command = args[0] as CommandLike;
    const call = this.startCall(command, info, target);
    if (!call) return original.apply(client, args);
    const callbackIndex = typeof args[args.length - 1] === 'function' && args.length > 1 ? args.length - 1 : -1;
    if (callbackIndex >= 0) {
      const callback = args[callbackIndex] as SendCallback;
      const callArgs = [...args];
      callArgs[callbackIndex] = (error: unknown, output?: unknown): void => {
        if (error) {
          call.fail(error);
          callback(error, output);
        } else callback(error, this.finish(call, info, output));
      };
      // The wrapped callback ends the call; with a callback the SDK returns nothing to wait for.
      return runInCall(call, () => original.apply(client, callArgs));
    }
    return tracePromiseCall(
      call,
      () => original.apply(client, args),
      (output) => this.finish(call, info, output),
    );
  }

  private startCall(command: CommandLike, info: CommandInfo, target: BedrockTarget): GenAICall | undefined {
    let spec: GenAICallStart;
    try {
      const input = command.input;
      const modelId = stringOrUndefined(input?.modelId);
      spec = {
        operation: GEN_AI_OPERATION.CHAT,
        provider: GEN_AI_PROVIDER.AWS_BEDROCK,
        requestModel: modelId,
        serverAddress: target.serverAddress,
        serverPort: target.serverPort,
        stream: info.streamField !== undefined,
        region: profilePrefixOf(modelId) ?? target.region,
      };
      if (info.api === 'converse') {
        spec.attributes = { ...converseRequestAttributes(input), [ATTR_CLOUD_REGION]: target.region };
        spec.inputMessages = () => converseInputMessages(input);
        spec.systemInstructions = () => converseSystemInstructions(input);
        spec.toolDefinitions = () => converseToolDefinitions(input);
      } else {
        const body = parseJsonBody(input?.body);
        const anthropic = isAnthropicInvoke(modelId, body);
        spec.attributes = { ...(anthropic ? anthropicRequestAttributes(body) : {}), [ATTR_CLOUD_REGION]: target.region };
        if (anthropic) {
          spec.inputMessages = () => anthropicInputMessages(body);
          spec.systemInstructions = () => anthropicSystemInstructions(body);
        }
      }
    } catch (error) {
      reportInstrumentationError('@aws-sdk/client-bedrock-runtime request', error);
      return undefined;
    }
    return this.recorder.start(spec);
  }

  /** Ends the call for a response, or hands back the output with its event stream observed. */
  private finish(call: GenAICall, info: CommandInfo, output: unknown): unknown {
    try {
      if (info.streamField !== undefined) {
        const holder = output as Record<string, unknown> | undefined;
        const stream = holder?.[info.streamField];
        if (isAsyncIterable(stream)) {
          const observer: StreamObserver<unknown> =
            info.api === 'converse' ? new ConverseStreamAccumulator(call.captureContent) : new AnthropicChunkAccumulator(call.captureContent);
          observeStream(stream, call, observer);
        } else call.end({});
        return output;
      }
      const outcome: GenAICallOutcome = info.api === 'converse' ? converseOutcome(output, call.captureContent) : invokeOutcome(output, call.captureContent);
      call.end(outcome);
    } catch (error) {
      reportInstrumentationError('@aws-sdk/client-bedrock-runtime response', error);
      call.end({});
    }
    return output;
  }
}
