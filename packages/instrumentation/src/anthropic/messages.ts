import type { AttributeValue } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from '@spendtrace/semconv';
import { canonicalUsage, numberOrUndefined, setDefined, stringArrayOrUndefined, stringOrUndefined } from '../core/index.ts';
import type { GenAICallOutcome, StreamObserver } from '../core/index.ts';

type Params = Record<string, unknown>;
type Block = { type?: unknown; text?: unknown; id?: unknown; name?: unknown; input?: unknown; tool_use_id?: unknown; content?: unknown };

export function messagesRequestAttributes(params: Params): Record<string, AttributeValue | undefined> {
  const attributes: Record<string, AttributeValue | undefined> = {};
  setDefined(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, numberOrUndefined(params.max_tokens));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, numberOrUndefined(params.temperature));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_P, numberOrUndefined(params.top_p));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_K, numberOrUndefined(params.top_k));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, stringArrayOrUndefined(params.stop_sequences));
  return attributes;
}

/** Content blocks as GenAI convention parts. */
function parts(content: unknown): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  return (content as Block[]).map((block) => {
    if (block.type === 'text') return { type: 'text', content: block.text };
    if (block.type === 'tool_use') return { type: 'tool_call', id: block.id, name: block.name, arguments: block.input };
    if (block.type === 'tool_result') return { type: 'tool_call_response', id: block.tool_use_id, response: block.content };
    if (block.type === 'thinking') return { type: 'reasoning', content: (block as { thinking?: unknown }).thinking };
    return { type: String(block.type ?? 'unknown') };
  });
}

export function messagesInput(params: Params): unknown {
  if (!Array.isArray(params.messages)) return undefined;
  return (params.messages as { role?: unknown; content?: unknown }[]).map((m) => ({ role: m.role, parts: parts(m.content) }));
}

export function messagesSystem(params: Params): unknown {
  const system = params.system;
  if (system === undefined) return undefined;
  return parts(system);
}

interface MessageLike {
  id?: unknown;
  model?: unknown;
  stop_reason?: unknown;
  content?: unknown;
  usage?: { service_tier?: unknown } & Record<string, unknown>;
}

export function messageOutcome(response: unknown): GenAICallOutcome {
  const m = (response ?? {}) as MessageLike;
  const stop = stringOrUndefined(m.stop_reason);
  return {
    responseId: stringOrUndefined(m.id),
    responseModel: stringOrUndefined(m.model),
    finishReasons: stop !== undefined ? [stop] : [],
    usage: canonicalUsage('usageFromAnthropic', m.usage),
    serviceTier: stringOrUndefined(m.usage?.service_tier),
    outputMessages: () => [{ role: 'assistant', parts: parts(m.content), finish_reason: stop }],
  };
}

type StreamEvent = {
  type?: unknown;
  message?: MessageLike;
  usage?: Record<string, unknown>;
  delta?: { stop_reason?: unknown; type?: unknown; text?: unknown; partial_json?: unknown; thinking?: unknown };
  index?: number;
  content_block?: Block;
};

/**
 * Watches a raw Messages event stream. Usage arrives in two halves: `message_start` has the input
 * side (and a provisional output count), `message_delta` the final output count and, in current
 * API versions, the cumulative input side too; later non-null fields win.
 */
export class MessagesStreamObserver implements StreamObserver<unknown> {
  private readonly keepContent: boolean;
  private id: string | undefined;
  private model: string | undefined;
  private stopReason: string | undefined;
  private usage: Record<string, unknown> | undefined;
  private readonly blocks: Block[] = [];
  private readonly json: string[] = [];

  constructor(keepContent: boolean) {
    this.keepContent = keepContent;
  }

  onChunk(raw: unknown): void {
    const event = raw as StreamEvent;
    if (!event || typeof event !== 'object') return;
    switch (event.type) {
      case 'message_start':
        this.id = stringOrUndefined(event.message?.id);
        this.model = stringOrUndefined(event.message?.model);
        if (event.message?.usage) this.mergeUsage(event.message.usage);
        break;
      case 'message_delta':
        this.stopReason = stringOrUndefined(event.delta?.stop_reason) ?? this.stopReason;
        if (event.usage) this.mergeUsage(event.usage);
        break;
      case 'content_block_start':
        if (this.keepContent && typeof event.index === 'number' && event.content_block) this.blocks[event.index] = { ...event.content_block };
        break;
      case 'content_block_delta':
        if (this.keepContent && typeof event.index === 'number') this.appendDelta(event.index, event.delta);
        break;
    }
  }

  private mergeUsage(usage: Record<string, unknown>): void {
    this.usage ??= {};
    for (const key in usage) if (usage[key] !== null && usage[key] !== undefined) this.usage[key] = usage[key];
  }

  private appendDelta(index: number, delta: StreamEvent['delta']): void {
    const block = this.blocks[index];
    if (!block || !delta) return;
    if (delta.type === 'text_delta' && typeof delta.text === 'string') block.text = String(block.text ?? '') + delta.text;
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') this.json[index] = (this.json[index] ?? '') + delta.partial_json;
  }

  outcome(): GenAICallOutcome {
    const content = this.blocks.map((block, index) => {
      const json = this.json[index];
      if (block.type !== 'tool_use' || json === undefined) return block;
      try {
        return { ...block, input: JSON.parse(json) };
      } catch {
        return { ...block, input: json };
      }
    });
    return messageOutcome({ id: this.id, model: this.model, stop_reason: this.stopReason, usage: this.usage, content });
  }
}
