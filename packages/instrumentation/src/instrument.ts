import { AnthropicInstrumentation } from './anthropic/index.ts';
import type { AnthropicInstrumentationConfig } from './anthropic/index.ts';
import { BedrockInstrumentation } from './bedrock/index.ts';
import type { BedrockInstrumentationConfig } from './bedrock/index.ts';
import { GoogleGenAIInstrumentation } from './google/index.ts';
import type { GoogleGenAIInstrumentationConfig } from './google/index.ts';
import { OpenAIInstrumentation } from './openai/index.ts';
import type { OpenAIInstrumentationConfig } from './openai/index.ts';

type InstrumentConfig = OpenAIInstrumentationConfig & AnthropicInstrumentationConfig & GoogleGenAIInstrumentationConfig & BedrockInstrumentationConfig;

/** The SDK clients `instrument()` recognises, each with its instrumentation. */
interface ClientKind {
  name: string;
  matches(client: Record<string, unknown>): boolean;
  /** A new instrumentation for a call with its own config; the shared default otherwise. */
  instrumentation(config: InstrumentConfig | undefined): { instrument<T>(client: T): T };
}

function kind<I extends { instrument<T>(client: T): T }>(
  name: string,
  matches: (client: Record<string, unknown>) => boolean,
  create: (config: InstrumentConfig) => I,
): ClientKind {
  let shared: I | undefined;
  return {
    name,
    matches,
    // Disabled: module patching is not wanted here, only the one client; the instance still
    // records through the global tracer and meter providers.
    instrumentation: (config) => (config ? create({ ...config, enabled: false }) : (shared ??= create({ enabled: false }))),
  };
}

function hasFunction(target: unknown, name: string): boolean {
  return typeof (target as Record<string, unknown> | null | undefined)?.[name] === 'function';
}

// Order matters only where shapes could overlap; none of these four share their key method.
const KINDS: ClientKind[] = [
  kind(
    'openai',
    (c) => hasFunction((c.chat as { completions?: unknown } | undefined)?.completions, 'create') || hasFunction(c.responses, 'create'),
    (config) => new OpenAIInstrumentation(config),
  ),
  kind('@anthropic-ai/sdk', (c) => hasFunction(c.messages, 'create'), (config) => new AnthropicInstrumentation(config)),
  kind('@google/genai', (c) => hasFunction(c.models, 'generateContent'), (config) => new GoogleGenAIInstrumentation(config)),
  kind(
    '@aws-sdk/client-bedrock-runtime',
    // Smithy clients all have `send` and a `middlewareStack`; the Bedrock instrumentation only acts
    // on Bedrock Runtime commands, so another AWS client passed here is left effectively untouched.
    (c) => typeof c.send === 'function' && ((c.constructor as { name?: unknown } | undefined)?.name === 'BedrockRuntimeClient' || (typeof c.middlewareStack === 'object' && c.middlewareStack !== null)),
    (config) => new BedrockInstrumentation(config),
  ),
];

/**
 * Traces one SDK client (openai, @anthropic-ai/sdk including its Bedrock and Vertex clients,
 * @google/genai, @aws-sdk/client-bedrock-runtime) without module patching, for bundled apps and
 * aliased packages. Call it after the OpenTelemetry SDK has started: the client records with the
 * global tracer and meter providers. Returns the same client. Throws a TypeError for a client it
 * does not recognise, since silently untraced calls are the failure this is meant to prevent.
 */
export function instrument<T>(client: T, config?: InstrumentConfig): T {
  if (!client || typeof client !== 'object') throw new TypeError('instrument() expects an SDK client object');
  const c = client as Record<string, unknown>;
  const found = KINDS.find((k) => k.matches(c));
  if (!found) {
    const name = (client as { constructor?: { name?: string } }).constructor?.name ?? typeof client;
    throw new TypeError(`instrument() does not recognise this client (${name}); supported: ${KINDS.map((k) => k.name).join(', ')}`);
  }
  return found.instrumentation(config).instrument(client);
}
