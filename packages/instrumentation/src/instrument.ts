import { AnthropicInstrumentation } from './anthropic/index.ts';
import type { AnthropicInstrumentationConfig } from './anthropic/index.ts';
import { OpenAIInstrumentation } from './openai/index.ts';
import type { OpenAIInstrumentationConfig } from './openai/index.ts';

type InstrumentConfig = OpenAIInstrumentationConfig & AnthropicInstrumentationConfig;

let defaultOpenAI: OpenAIInstrumentation | undefined;
let defaultAnthropic: AnthropicInstrumentation | undefined;

function isOpenAIClient(client: Record<string, unknown>): boolean {
  const chat = client.chat as { completions?: { create?: unknown } } | undefined;
  return typeof chat?.completions?.create === 'function' || typeof (client.responses as { create?: unknown } | undefined)?.create === 'function';
}

function isAnthropicClient(client: Record<string, unknown>): boolean {
  return typeof (client.messages as { create?: unknown } | undefined)?.create === 'function';
}

/**
 * Traces one SDK client (openai or @anthropic-ai/sdk) without module patching, for bundled apps
 * and aliased packages. Call it after the OpenTelemetry SDK has started: the client records with
 * the global tracer and meter providers. Returns the same client. Throws a TypeError for a client
 * it does not recognise.
 */
export function instrument<T>(client: T, config?: InstrumentConfig): T {
  if (!client || typeof client !== 'object') throw new TypeError('instrument() expects an SDK client object');
  const c = client as Record<string, unknown>;
  if (isOpenAIClient(c)) {
    const instrumentation = config ? new OpenAIInstrumentation({ ...config, enabled: false }) : (defaultOpenAI ??= new OpenAIInstrumentation({ enabled: false }));
    return instrumentation.instrument(client);
  }
  if (isAnthropicClient(c)) {
    const instrumentation = config ? new AnthropicInstrumentation({ ...config, enabled: false }) : (defaultAnthropic ??= new AnthropicInstrumentation({ enabled: false }));
    return instrumentation.instrument(client);
  }
  throw new TypeError(`instrument() does not recognise this client (${(client as { constructor?: { name?: string } }).constructor?.name ?? typeof client}); supported: openai, @anthropic-ai/sdk`);
}
