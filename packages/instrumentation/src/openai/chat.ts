import type { AttributeValue } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  GEN_AI_PROVIDER,
} from '@spendtrace/semconv';
import { canonicalUsage, choiceCountOrUndefined, numberOrUndefined, setDefined, stringArrayOrUndefined, stringOrUndefined } from '../core/index.ts';
import type { GenAICallOutcome, StreamObserver, UsageAdapterName } from '../core/index.ts';
import { chatInputMessages, chatOutputMessage, chatSystemInstructions } from './content.ts';
import type { ChatMessageLike } from './content.ts';

type Params = Record<string, unknown>;

function outputType(responseFormat: unknown): string | undefined {
  const type = (responseFormat as { type?: unknown } | undefined)?.type;
  if (type === 'json_object' || type === 'json_schema') return 'json';
  if (type === 'text') return 'text';
  return undefined;
}

/** `gen_ai.request.*` attributes of a chat completion request. */
export function chatRequestAttributes(params: Params): Record<string, AttributeValue | undefined> {
  const attributes: Record<string, AttributeValue | undefined> = {};
  setDefined(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, numberOrUndefined(params.max_completion_tokens) ?? numberOrUndefined(params.max_tokens));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, numberOrUndefined(params.temperature));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_P, numberOrUndefined(params.top_p));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, numberOrUndefined(params.frequency_penalty));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, numberOrUndefined(params.presence_penalty));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, stringArrayOrUndefined(params.stop));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_SEED, numberOrUndefined(params.seed));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_CHOICE_COUNT, choiceCountOrUndefined(params.n));
  setDefined(attributes, ATTR_GEN_AI_OUTPUT_TYPE, outputType(params.response_format));
  setDefined(attributes, ATTR_OPENAI_REQUEST_SERVICE_TIER, stringOrUndefined(params.service_tier));
  return attributes;
}

/** OpenAI-compatible providers whose usage block differs from OpenAI's (DeepSeek's cache hit/miss counts, ...). */
const CHAT_USAGE_ADAPTERS: Record<string, UsageAdapterName> = {
  [GEN_AI_PROVIDER.DEEPSEEK]: 'usageFromDeepSeek',
  [GEN_AI_PROVIDER.MISTRAL_AI]: 'usageFromMistral',
  [GEN_AI_PROVIDER.X_AI]: 'usageFromXAI',
};

export function chatUsageAdapter(provider: string): UsageAdapterName {
  return CHAT_USAGE_ADAPTERS[provider] ?? 'usageFromOpenAIChat';
}

interface ChatCompletionLike {
  id?: unknown;
  model?: unknown;
  service_tier?: unknown;
  system_fingerprint?: unknown;
  usage?: unknown;
  choices?: { index?: number; finish_reason?: unknown; message?: ChatMessageLike }[];
}

/** Outcome of a non-streamed chat completion. */
export function chatOutcome(response: unknown, provider: string): GenAICallOutcome {
  const r = (response ?? {}) as ChatCompletionLike;
  const choices = Array.isArray(r.choices) ? r.choices : [];
  const finishReasons: string[] = [];
  for (const choice of choices) {
    const reason = stringOrUndefined(choice?.finish_reason);
    if (reason !== undefined) finishReasons.push(reason);
  }
  const serviceTier = stringOrUndefined(r.service_tier);
  return {
    responseId: stringOrUndefined(r.id),
    responseModel: stringOrUndefined(r.model),
    finishReasons,
    usage: canonicalUsage(chatUsageAdapter(provider), r.usage),
    serviceTier,
    attributes: responseAttributes(serviceTier, stringOrUndefined(r.system_fingerprint)),
    outputMessages: () => choices.map((c) => chatOutputMessage(c.message ?? {}, stringOrUndefined(c.finish_reason))),
  };
}

/** `openai.response.*` attributes, set one by one (see `setDefined`). */
function responseAttributes(serviceTier: string | undefined, fingerprint: string | undefined): Record<string, AttributeValue | undefined> {
  const attributes: Record<string, AttributeValue | undefined> = {};
  setDefined(attributes, ATTR_OPENAI_RESPONSE_SERVICE_TIER, serviceTier);
  setDefined(attributes, ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT, fingerprint);
  return attributes;
}

export { chatInputMessages, chatSystemInstructions };

interface ChunkLike {
  id?: unknown;
  model?: unknown;
  service_tier?: unknown;
  system_fingerprint?: unknown;
  usage?: unknown;
  choices?: {
    index?: number;
    finish_reason?: unknown;
    delta?: { content?: unknown; tool_calls?: { index?: number; id?: unknown; function?: { name?: unknown; arguments?: unknown } }[] };
  }[];
}

const NO_CHOICES: NonNullable<ChunkLike['choices']> = [];

/** More choices than anyone asks for (`n`); an index beyond it is not a real choice. */
const MAX_CHOICES = 128;

interface ChoiceAccumulator {
  finishReason?: string;
  text: string;
  toolCalls: { id?: string; name?: string; arguments: string }[];
}

/**
 * Watches a streamed chat completion. When the instrumentation added `include_usage` itself, the
 * usage-only final chunk is kept from the caller and the `usage: null` field it makes the API add to
 * every other chunk is cleared to `undefined`, so the caller sees the stream it asked for.
 */
export class ChatStreamObserver implements StreamObserver<unknown> {
  private readonly provider: string;
  private readonly hideUsage: boolean;
  private readonly keepContent: boolean;
  private id: string | undefined;
  private model: string | undefined;
  private serviceTier: string | undefined;
  private fingerprint: string | undefined;
  private usage: unknown;
  /** By choice index (an array: indexes are small, and it iterates in index order without sorting). */
  private readonly choices: ChoiceAccumulator[] = [];

  constructor(provider: string, hideUsage: boolean, keepContent: boolean) {
    this.provider = provider;
    this.hideUsage = hideUsage;
    this.keepContent = keepContent;
  }

  onChunk(raw: unknown): boolean {
    const chunk = raw as ChunkLike;
    if (!chunk || typeof chunk !== 'object') return true;
    // Every chunk repeats the id, model and tier; the first one that has an id is read.
    if (this.id === undefined) {
      this.id = stringOrUndefined(chunk.id);
      this.model = stringOrUndefined(chunk.model);
      this.serviceTier = stringOrUndefined(chunk.service_tier);
      this.fingerprint = stringOrUndefined(chunk.system_fingerprint);
    }
    if (chunk.usage) this.usage = chunk.usage;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : NO_CHOICES;
    for (let i = 0; i < choices.length; i++) {
      const choice = choices[i]!;
      // A choice index the API would never send (negative, fractional, huge) counts as the first.
      const index = Number.isInteger(choice.index) && (choice.index as number) >= 0 && (choice.index as number) < MAX_CHOICES ? (choice.index as number) : 0;
      let acc = this.choices[index];
      if (acc === undefined) {
        acc = { text: '', toolCalls: [] };
        this.choices[index] = acc;
      }
      if (choice.finish_reason != null) acc.finishReason = stringOrUndefined(choice.finish_reason);
      if (this.keepContent) accumulateDelta(acc, choice.delta);
    }
    if (this.hideUsage) {
      if (choices.length === 0 && chunk.usage) return false;
      // Set to undefined rather than deleted: `delete` turns every chunk into a slow dictionary-mode
      // object, for the caller's reads too. The chunk serialises exactly as one without the field.
      if (chunk.usage === null) chunk.usage = undefined;
    }
    return true;
  }

  outcome(): GenAICallOutcome {
    const seen: ChoiceAccumulator[] = [];
    const finishReasons: string[] = [];
    for (const acc of this.choices) {
      if (acc === undefined) continue;
      seen.push(acc);
      if (acc.finishReason !== undefined) finishReasons.push(acc.finishReason);
    }
    return {
      responseId: this.id,
      responseModel: this.model,
      finishReasons,
      usage: canonicalUsage(chatUsageAdapter(this.provider), this.usage),
      serviceTier: this.serviceTier,
      attributes: responseAttributes(this.serviceTier, this.fingerprint),
      outputMessages: () =>
        seen.map((acc) => {
          return chatOutputMessage(
            {
              content: acc.text,
              tool_calls: acc.toolCalls.map((t) => ({ id: t.id, function: { name: t.name, arguments: t.arguments } })),
            },
            acc.finishReason,
          );
        }),
    };
  }
}

function accumulateDelta(acc: ChoiceAccumulator, delta: NonNullable<ChunkLike['choices']>[number]['delta']): void {
  if (!delta) return;
  if (typeof delta.content === 'string') acc.text += delta.content;
  for (const call of delta.tool_calls ?? []) {
    const index = typeof call.index === 'number' ? call.index : 0;
    const entry = (acc.toolCalls[index] ??= { arguments: '' });
    entry.id ??= stringOrUndefined(call.id);
    entry.name ??= stringOrUndefined(call.function?.name);
    if (typeof call.function?.arguments === 'string') entry.arguments += call.function.arguments;
  }
}
