import { isWrapped } from '@opentelemetry/instrumentation';
import type { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { GEN_AI_OPERATION } from '@spendtrace/semconv';
import { GenAIInstrumentationBase, isAsyncIterable, observeStream, PerClient, reportInstrumentationError, sdkModuleDefinition, tracePromiseCall } from '../core/index.ts';
import type { GenAICall, GenAICallOutcome, GenAICallStart, SpendtraceInstrumentationConfig } from '../core/index.ts';
import {
  backendOf,
  baseUrlOf,
  generateRequestAttributes,
  inputMessagesOf,
  modelIdOf,
  systemInstructionsOf,
  toolDefinitionsOf,
} from './request.ts';
import type { GoogleApiClientLike, GoogleBackend } from './request.ts';
import { embedOutcome, GeminiStreamAccumulator, generateOutcome } from './response.ts';

/** Options of {@link GoogleGenAIInstrumentation}; the shared spendtrace options apply as documented there. */
export type GoogleGenAIInstrumentationConfig = SpendtraceInstrumentationConfig;

const INSTRUMENTATION_NAME = '@spendtrace/instrumentation/google-genai';
const INSTRUMENTATION_VERSION = '0.1.0';

/**
 * The `Models` methods that each issue exactly one HTTP request, by kind; per kind the first name
 * the prototype has is patched. The public `generateContent`, `generateContentStream` and (since
 * 1.x) `embedContent` are arrow functions created per instance in the constructor (no prototype
 * method to patch), and they may issue several requests for one call (automatic function calling,
 * continuation); these prototype methods sit below both, so every billed request gets one span and
 * chats (which call `models.generateContent`) are covered too. Early 1.x releases had
 * `embedContent` itself on the prototype.
 */
const METHODS = [
  { kind: 'generate', names: ['generateContentInternal'] },
  { kind: 'stream', names: ['generateContentStreamInternal'] },
  { kind: 'embed', names: ['embedContentInternal', 'embedContent'] },
] as const;
type MethodKind = (typeof METHODS)[number]['kind'];

/** The method to patch for each kind on `target` (a prototype or a `Models` instance). */
function methodsOf(target: Record<string, unknown>): Array<{ name: string; kind: MethodKind }> {
  const found: Array<{ name: string; kind: MethodKind }> = [];
  for (const { kind, names } of METHODS) {
    const name = names.find((candidate) => typeof target[candidate] === 'function');
    if (name) found.push({ name, kind });
  }
  return found;
}

interface ModelsLike {
  apiClient?: GoogleApiClientLike;
}
interface GenerateParamsLike {
  model?: unknown;
  contents?: unknown;
  config?: unknown;
}
type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Traces `@google/genai` (the Google Gen AI SDK): `models.generateContent`, `generateContentStream`
 * and `embedContent`, on the Gemini API (`gcp.gemini`) and on Vertex AI (`gcp.vertex_ai`, from the
 * client's `vertexai` flag). Thinking tokens count as output and as reasoning; cached content is
 * reported as cache reads. Works with the SDK's ESM and CommonJS builds, since both export the same
 * `Models` class; for bundled apps use {@link GoogleGenAIInstrumentation.instrumentClient}.
 */
export class GoogleGenAIInstrumentation extends GenAIInstrumentationBase<GoogleGenAIInstrumentationConfig> {
  /** Provider, server and location per API client (the Gemini API or Vertex AI, from its base URL). */
  private readonly backends = new PerClient<GoogleBackend>((client) => baseUrlOf(client as GoogleApiClientLike));

  constructor(config: GoogleGenAIInstrumentationConfig = {}) {
    super(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [sdkModuleDefinition('@google/genai', ['>=1.0.0'], this)];
  }

  /** Patches the `Models` prototype of a loaded `@google/genai` module; used by the module hooks. */
  patchModule<T>(moduleExports: T): T {
    try {
      const proto = (moduleExports as { Models?: { prototype?: Record<string, unknown> } } | undefined)?.Models?.prototype;
      const found = proto ? methodsOf(proto) : [];
      if (!proto || found.length === 0) {
        this._diag.warn('@google/genai: Models methods not found (unsupported SDK shape); calls are not traced');
        return moduleExports;
      }
      if (found.length < METHODS.length) {
        this._diag.warn(`@google/genai: only ${found.map((m) => m.name).join(', ')} found; other Models calls are not traced`);
      }
      for (const { name, kind } of found) {
        if (isWrapped(proto[name])) this._unwrap(proto, name);
        this._wrap(proto, name, (original) => this.wrapMethod(original as AnyFunction, kind) as never);
      }
    } catch (error) {
      this._diag.warn('@google/genai: patching failed; calls are not traced', error);
    }
    return moduleExports;
  }

  unpatchModule(moduleExports: unknown): void {
    try {
      const proto = (moduleExports as { Models?: { prototype?: Record<string, unknown> } } | undefined)?.Models?.prototype;
      if (!proto) return;
      for (const { names } of METHODS) for (const name of names) if (isWrapped(proto[name])) this._unwrap(proto, name);
    } catch (error) {
      this._diag.warn('@google/genai: unpatching failed', error);
    }
  }

  /**
   * Traces one `GoogleGenAI` client without module hooks (bundled apps): its `models` instance gets
   * traced methods of its own. Returns whether the client was recognised; a client whose class is
   * already patched through the module hooks is left as is, so calls are never traced twice.
   */
  instrumentClient(client: unknown): boolean {
    try {
      const models = (client as { models?: Record<string, unknown> } | null)?.models;
      if (typeof models !== 'object' || models === null) return false;
      const found = methodsOf(models);
      const recognised = found.length > 0;
      for (const { name, kind } of found) {
        if (isWrapped(models[name])) continue;
        // Defines a traced own property on this instance (the prototype's method stays as it is),
        // marked as wrapped, so a second instrumentClient of the same client is a no-op.
        this._wrap(models, name, (original) => this.wrapMethod(original as AnyFunction, kind) as never);
      }
      if (!recognised) this._diag.warn('@google/genai: client has no recognised Models methods; it is not traced');
      return recognised;
    } catch (error) {
      this._diag.warn('@google/genai: instrumentClient failed; the client is not traced', error);
      return false;
    }
  }

  /** A `GoogleGenAI` client traced as by {@link instrumentClient}, returned for chaining (the `instrument(client)` path). */
  instrument<T>(client: T): T {
    this.instrumentClient(client);
    return client;
  }

  private wrapMethod(original: AnyFunction, kind: MethodKind): AnyFunction {
    const instrumentation = this;
    return function tracedModelsMethod(this: unknown, ...args: unknown[]): unknown {
      const call = instrumentation.startCall(this as ModelsLike, args[0] as GenerateParamsLike | undefined, kind);
      if (!call) return original.apply(this, args);
      return tracePromiseCall(
        call,
        () => original.apply(this, args),
        (value) => instrumentation.finish(call, kind, value),
      );
    };
  }

  private startCall(models: ModelsLike | undefined, params: GenerateParamsLike | undefined, kind: MethodKind): GenAICall | undefined {
    let spec: GenAICallStart;
    try {
      const backend = this.backends.get(models?.apiClient, (client) => backendOf(client as GoogleApiClientLike | undefined));
      const embed = kind === 'embed';
      spec = {
        operation: embed ? GEN_AI_OPERATION.EMBEDDINGS : GEN_AI_OPERATION.GENERATE_CONTENT,
        provider: backend.provider,
        requestModel: modelIdOf(params?.model),
        serverAddress: backend.serverAddress,
        serverPort: backend.serverPort,
        region: backend.location,
        ...(embed ? {} : { stream: kind === 'stream', attributes: generateRequestAttributes(params?.config, backend) }),
      };
      if (!embed) {
        spec.inputMessages = () => inputMessagesOf(params?.contents);
        spec.systemInstructions = () => systemInstructionsOf(params?.config);
        spec.toolDefinitions = () => toolDefinitionsOf(params?.config);
      }
    } catch (error) {
      reportInstrumentationError('@google/genai request', error);
      return undefined;
    }
    return this.recorder.start(spec);
  }

  private finish(call: GenAICall, kind: MethodKind, value: unknown): unknown {
    try {
      if (kind === 'stream') {
        if (isAsyncIterable(value)) {
          return observeStream(value, call, new GeminiStreamAccumulator(call.captureContent));
        }
        call.end({});
        return value;
      }
      const outcome: GenAICallOutcome = kind === 'embed' ? embedOutcome(value) : generateOutcome(value, call.captureContent);
      call.end(outcome);
    } catch (error) {
      reportInstrumentationError('@google/genai response', error);
      call.end({});
    }
    return value;
  }
}
