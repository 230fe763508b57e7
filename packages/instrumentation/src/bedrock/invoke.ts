/**
 * InvokeModel and InvokeModelWithResponseStream with Anthropic model bodies (the Messages API
 * format). Bodies are only read: the caller's request and response bytes are never consumed or
 * changed, and a body given as a stream is left alone (the call is traced without request details).
 */
import type { AttributeValue } from '@opentelemetry/api';
import { messagesRequestAttributes } from '../anthropic/messages.ts';
import { canonicalUsage, stringOrUndefined } from '../core/index.ts';
import type { GenAICallOutcome, StreamObserver } from '../core/index.ts';

const decoder = new TextDecoder();

/** A JSON body given as a string or bytes, parsed; undefined for streams, blobs and non-JSON. */
export function parseJsonBody(body: unknown): Record<string, unknown> | undefined {
  let text: string;
  if (typeof body === 'string') text = body;
  else if (ArrayBuffer.isView(body)) text = decoder.decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  else if (body instanceof ArrayBuffer) text = decoder.decode(new Uint8Array(body));
  else return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an InvokeModel call addresses an Anthropic model (by id, or by its Messages body). */
export function isAnthropicInvoke(modelId: string | undefined, body: Record<string, unknown> | undefined): boolean {
  return (modelId?.includes('anthropic.') ?? false) || typeof body?.anthropic_version === 'string';
}

/** The body is a Messages API request, so its attributes are read as the Anthropic SDK's are. */
export function anthropicRequestAttributes(body: Record<string, unknown> | undefined): Record<string, AttributeValue | undefined> {
  return body ? messagesRequestAttributes(body) : {};
}

// ---- content, recorded only when capture is on ----

function partsOf(content: unknown): Record<string, unknown>[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  return content
    .map((block: { type?: unknown; text?: unknown; thinking?: unknown; id?: unknown; name?: unknown; input?: unknown; tool_use_id?: unknown; content?: unknown }) => {
      if (block?.type === 'text') return { type: 'text', content: block.text };
      if (block?.type === 'thinking') return { type: 'reasoning', content: block.thinking };
      if (block?.type === 'tool_use') return { type: 'tool_call', id: block.id, name: block.name, arguments: block.input };
      if (block?.type === 'tool_result') return { type: 'tool_call_response', id: block.tool_use_id, response: block.content };
      return undefined;
    })
    .filter((p): p is NonNullable<typeof p> => p !== undefined);
}

export function anthropicInputMessages(body: Record<string, unknown> | undefined): unknown {
  if (!Array.isArray(body?.messages)) return undefined;
  return body.messages.map((m: { role?: unknown; content?: unknown }) => ({ role: stringOrUndefined(m?.role) ?? 'user', parts: partsOf(m?.content) }));
}

export function anthropicSystemInstructions(body: Record<string, unknown> | undefined): unknown {
  return body?.system === undefined ? undefined : partsOf(body.system);
}

// ---- responses ----

interface MessageLike {
  id?: unknown;
  model?: unknown;
  stop_reason?: unknown;
  usage?: unknown;
  content?: unknown;
}

export function invokeOutcome(output: unknown, captureContent: boolean): GenAICallOutcome {
  const message = parseJsonBody((output as { body?: unknown } | undefined)?.body) as MessageLike | undefined;
  if (!message) return {};
  const stopReason = stringOrUndefined(message.stop_reason);
  return {
    responseId: stringOrUndefined(message.id),
    responseModel: stringOrUndefined(message.model),
    finishReasons: stopReason !== undefined ? [stopReason] : undefined,
    usage: canonicalUsage('usageFromAnthropic', message.usage),
    ...(captureContent ? { outputMessages: () => [{ role: 'assistant', parts: partsOf(message.content), finish_reason: stopReason }] } : {}),
  };
}

interface AnthropicStreamEventLike {
  type?: unknown;
  message?: MessageLike;
  delta?: { stop_reason?: unknown; text?: unknown; type?: unknown };
  usage?: Record<string, unknown>;
  'amazon-bedrock-invocationMetrics'?: { inputTokenCount?: unknown; outputTokenCount?: unknown };
}

const DELTA_MARK = 'content_block_delta';

/**
 * Follows InvokeModelWithResponseStream chunks: each carries one Anthropic stream event as bytes.
 * `message_start` has the input side of the usage, `message_delta` the output tokens (and, in
 * newer API versions, the cumulative input side too). Text deltas, the bulk of a stream, are not
 * parsed unless content capture is on.
 */
export class AnthropicChunkAccumulator implements StreamObserver<unknown> {
  private readonly captureContent: boolean;
  private responseId: string | undefined;
  private responseModel: string | undefined;
  private stopReason: string | undefined;
  private usage: Record<string, unknown> | undefined;
  private text = '';

  constructor(captureContent: boolean) {
    this.captureContent = captureContent;
  }

  onChunk(event: unknown): void {
    const bytes = (event as { chunk?: { bytes?: unknown } } | undefined)?.chunk?.bytes;
    if (!(bytes instanceof Uint8Array)) return;
    if (!this.captureContent && isTextDelta(bytes)) return;
    const e = parseJsonBody(bytes) as AnthropicStreamEventLike | undefined;
    if (!e) return;
    switch (e.type) {
      case 'message_start':
        this.responseId = stringOrUndefined(e.message?.id);
        this.responseModel = stringOrUndefined(e.message?.model);
        if (typeof e.message?.usage === 'object' && e.message.usage !== null) this.usage = { ...(e.message.usage as Record<string, unknown>) };
        break;
      case 'message_delta':
        this.stopReason = stringOrUndefined(e.delta?.stop_reason) ?? this.stopReason;
        if (e.usage) this.usage = { ...this.usage, ...definedEntries(e.usage) };
        break;
      case 'content_block_delta':
        if (typeof e.delta?.text === 'string') this.text += e.delta.text;
        break;
      default:
        break;
    }
  }

  outcome(): GenAICallOutcome {
    return {
      responseId: this.responseId,
      responseModel: this.responseModel,
      finishReasons: this.stopReason !== undefined ? [this.stopReason] : undefined,
      usage: canonicalUsage('usageFromAnthropic', this.usage),
      ...(this.captureContent
        ? { outputMessages: () => [{ role: 'assistant', parts: [{ type: 'text', content: this.text }], finish_reason: this.stopReason }] }
        : {}),
    };
  }
}

function definedEntries(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== null));
}

/** Cheap look at the event's head, so text deltas are skipped without decoding their JSON. */
function isTextDelta(bytes: Uint8Array): boolean {
  const head = String.fromCharCode(...bytes.subarray(0, 40));
  return head.includes(DELTA_MARK);
}
