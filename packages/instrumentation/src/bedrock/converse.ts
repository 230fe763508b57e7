/**
 * Bedrock Converse and ConverseStream: request attributes, content, and the outcome of a response
 * or of a stream of events. Converse reports `inputTokens` without the cached part, which
 * `usageFromBedrockConverse` (pricing) folds back in.
 */
import type { AttributeValue } from '@opentelemetry/api';
import {
  ATTR_AWS_BEDROCK_GUARDRAIL_ID,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from '@spendtrace/semconv';
import { canonicalUsage, numberOrUndefined, setDefined, stringArrayOrUndefined, stringOrUndefined } from '../core/index.ts';
import type { GenAICallOutcome, StreamObserver } from '../core/index.ts';

interface ConverseInputLike {
  inferenceConfig?: { maxTokens?: unknown; temperature?: unknown; topP?: unknown; stopSequences?: unknown };
  guardrailConfig?: { guardrailIdentifier?: unknown };
  additionalModelRequestFields?: { top_k?: unknown; topK?: unknown };
  messages?: unknown;
  system?: unknown;
  toolConfig?: { tools?: unknown };
}

export function converseRequestAttributes(input: unknown): Record<string, AttributeValue | undefined> {
  const i = (input ?? {}) as ConverseInputLike;
  const extra = i.additionalModelRequestFields;
  const attributes: Record<string, AttributeValue | undefined> = {};
  setDefined(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, numberOrUndefined(i.inferenceConfig?.maxTokens));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, numberOrUndefined(i.inferenceConfig?.temperature));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_P, numberOrUndefined(i.inferenceConfig?.topP));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_K, numberOrUndefined(extra?.top_k) ?? numberOrUndefined(extra?.topK));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, stringArrayOrUndefined(i.inferenceConfig?.stopSequences));
  setDefined(attributes, ATTR_AWS_BEDROCK_GUARDRAIL_ID, stringOrUndefined(i.guardrailConfig?.guardrailIdentifier));
  return attributes;
}

// ---- content, recorded only when capture is on ----

interface BlockLike {
  text?: unknown;
  toolUse?: { toolUseId?: unknown; name?: unknown; input?: unknown };
  toolResult?: { toolUseId?: unknown; content?: unknown };
  reasoningContent?: { reasoningText?: { text?: unknown } };
  image?: { format?: unknown };
  document?: { format?: unknown; name?: unknown };
}

function partOf(block: unknown): Record<string, unknown> | undefined {
  const b = (block ?? {}) as BlockLike;
  if (typeof b.text === 'string') return { type: 'text', content: b.text };
  if (b.toolUse) return { type: 'tool_call', id: stringOrUndefined(b.toolUse.toolUseId), name: stringOrUndefined(b.toolUse.name), arguments: b.toolUse.input };
  if (b.toolResult) return { type: 'tool_call_response', id: stringOrUndefined(b.toolResult.toolUseId), response: b.toolResult.content };
  if (typeof b.reasoningContent?.reasoningText?.text === 'string') return { type: 'reasoning', content: b.reasoningContent.reasoningText.text };
  if (b.image) return { type: 'blob', modality: 'image', mime_type: typeof b.image.format === 'string' ? `image/${b.image.format}` : undefined };
  if (b.document) return { type: 'blob', modality: 'document', name: stringOrUndefined(b.document.name) };
  return undefined;
}

function partsOf(blocks: unknown): Record<string, unknown>[] {
  return (Array.isArray(blocks) ? blocks : []).map(partOf).filter((p): p is Record<string, unknown> => p !== undefined);
}

export function converseInputMessages(input: unknown): unknown {
  const messages = (input as ConverseInputLike | undefined)?.messages;
  if (!Array.isArray(messages)) return undefined;
  return messages.map((m: { role?: unknown; content?: unknown }) => ({ role: stringOrUndefined(m?.role) ?? 'user', parts: partsOf(m?.content) }));
}

export function converseSystemInstructions(input: unknown): unknown {
  const system = (input as ConverseInputLike | undefined)?.system;
  return Array.isArray(system) ? partsOf(system) : undefined;
}

export function converseToolDefinitions(input: unknown): unknown {
  const tools = (input as ConverseInputLike | undefined)?.toolConfig?.tools;
  if (!Array.isArray(tools)) return undefined;
  const definitions = tools
    .map((t: { toolSpec?: { name?: unknown; description?: unknown; inputSchema?: { json?: unknown } } }) => t?.toolSpec)
    .filter((spec) => spec !== undefined)
    .map((spec) => ({ type: 'function', name: spec.name, description: spec.description, parameters: spec.inputSchema?.json }));
  return definitions.length > 0 ? definitions : undefined;
}

// ---- responses ----

interface ConverseOutputLike {
  output?: { message?: { content?: unknown } };
  stopReason?: unknown;
  usage?: unknown;
}

export function converseOutcome(output: unknown, captureContent: boolean): GenAICallOutcome {
  const o = (output ?? {}) as ConverseOutputLike;
  const stopReason = stringOrUndefined(o.stopReason);
  return {
    finishReasons: stopReason !== undefined ? [stopReason] : undefined,
    usage: canonicalUsage('usageFromBedrockConverse', o.usage),
    ...(captureContent
      ? { outputMessages: () => [{ role: 'assistant', parts: partsOf(o.output?.message?.content), finish_reason: stopReason }] }
      : {}),
  };
}

interface ConverseStreamEventLike {
  contentBlockDelta?: { delta?: { text?: unknown } };
  messageStop?: { stopReason?: unknown };
  metadata?: { usage?: unknown };
}

/**
 * Follows ConverseStream events. Usage arrives in the last event (`metadata`); a stream cut before
 * it ends with the stop reason and text seen, without usage.
 */
export class ConverseStreamAccumulator implements StreamObserver<unknown> {
  private readonly captureContent: boolean;
  private stopReason: string | undefined;
  private usage: unknown;
  private text = '';

  constructor(captureContent: boolean) {
    this.captureContent = captureContent;
  }

  onChunk(event: unknown): void {
    const e = (event ?? {}) as ConverseStreamEventLike;
    if (e.metadata !== undefined) this.usage = e.metadata.usage;
    else if (e.messageStop !== undefined) this.stopReason = stringOrUndefined(e.messageStop.stopReason);
    else if (this.captureContent && typeof e.contentBlockDelta?.delta?.text === 'string') this.text += e.contentBlockDelta.delta.text;
  }

  outcome(): GenAICallOutcome {
    return {
      finishReasons: this.stopReason !== undefined ? [this.stopReason] : undefined,
      usage: canonicalUsage('usageFromBedrockConverse', this.usage),
      ...(this.captureContent
        ? { outputMessages: () => [{ role: 'assistant', parts: [{ type: 'text', content: this.text }], finish_reason: this.stopReason }] }
        : {}),
    };
  }
}
