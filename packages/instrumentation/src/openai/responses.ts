import type { AttributeValue } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
} from '@spendtrace/semconv';
import { canonicalUsage, GenAIResponseError, numberOrUndefined, setDefined, stringOrUndefined } from '../core/index.ts';
import type { GenAICallOutcome, StreamObserver } from '../core/index.ts';

type Params = Record<string, unknown>;

export function responsesRequestAttributes(params: Params): Record<string, AttributeValue | undefined> {
  const attributes: Record<string, AttributeValue | undefined> = {};
  setDefined(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, numberOrUndefined(params.max_output_tokens));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, numberOrUndefined(params.temperature));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_P, numberOrUndefined(params.top_p));
  setDefined(attributes, ATTR_OPENAI_REQUEST_SERVICE_TIER, stringOrUndefined(params.service_tier));
  return attributes;
}

export function responsesInputMessages(params: Params): unknown {
  const input = params.input;
  if (typeof input === 'string') return [{ role: 'user', parts: [{ type: 'text', content: input }] }];
  if (!Array.isArray(input)) return undefined;
  return input.map((item: { role?: unknown; content?: unknown; type?: unknown }) => ({
    role: item.role ?? item.type,
    parts: typeof item.content === 'string' ? [{ type: 'text', content: item.content }] : item.content,
  }));
}

interface ResponseLike {
  id?: unknown;
  model?: unknown;
  status?: unknown;
  service_tier?: unknown;
  usage?: unknown;
  incomplete_details?: { reason?: unknown } | null;
  output?: { type?: unknown; content?: { type?: unknown; text?: unknown }[]; name?: unknown; arguments?: unknown; call_id?: unknown }[];
}

/**
 * The Responses API has a status instead of finish reasons; mapped onto the chat vocabulary so one
 * query covers both APIs: a function call → `tool_calls`, cut at the token limit → `length`,
 * filtered → `content_filter`, otherwise `stop` (or the status itself when it is not `completed`).
 */
function finishReasons(r: ResponseLike): string[] {
  const output = Array.isArray(r.output) ? r.output : [];
  if (output.some((item) => item.type === 'function_call')) return ['tool_calls'];
  const reason = r.incomplete_details?.reason;
  if (reason === 'max_output_tokens') return ['length'];
  if (reason === 'content_filter') return ['content_filter'];
  if (r.status === 'completed') return ['stop'];
  return typeof r.status === 'string' ? [r.status] : [];
}

function outputMessages(r: ResponseLike): unknown {
  const output = Array.isArray(r.output) ? r.output : [];
  const parts: unknown[] = [];
  for (const item of output) {
    if (item.type === 'message') for (const c of item.content ?? []) if (typeof c.text === 'string') parts.push({ type: 'text', content: c.text });
    if (item.type === 'function_call') parts.push({ type: 'tool_call', id: item.call_id, name: item.name, arguments: item.arguments });
  }
  return [{ role: 'assistant', parts, finish_reason: finishReasons(r)[0] }];
}

export function responsesOutcome(response: unknown): GenAICallOutcome {
  const r = (response ?? {}) as ResponseLike;
  return {
    responseId: stringOrUndefined(r.id),
    responseModel: stringOrUndefined(r.model),
    finishReasons: finishReasons(r),
    usage: canonicalUsage('usageFromOpenAIResponses', r.usage),
    serviceTier: stringOrUndefined(r.service_tier),
    attributes: { [ATTR_OPENAI_RESPONSE_SERVICE_TIER]: stringOrUndefined(r.service_tier) },
    outputMessages: () => outputMessages(r),
  };
}

/**
 * Watches Responses API stream events; the final `response.*` event carries the whole response.
 * A stream can end normally and still report a failure: a `response.failed` event (the response's
 * `error`) or an `error` event the SDK passes through. The call then fails with that error.
 */
export class ResponsesStreamObserver implements StreamObserver<unknown> {
  private latest: ResponseLike | undefined;
  private failed: GenAIResponseError | undefined;

  onChunk(raw: unknown): void {
    const event = raw as { type?: unknown; response?: ResponseLike & { error?: unknown }; code?: unknown; message?: unknown };
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') return;
    if (event.response && event.type.startsWith('response.')) {
      this.latest = event.response;
      if (event.type === 'response.failed') this.failed ??= responseError(event.response.error, 'response.failed');
    } else if (event.type === 'error') {
      this.failed ??= responseError(event, 'error');
    }
  }

  outcome(): GenAICallOutcome {
    return this.latest ? responsesOutcome(this.latest) : {};
  }

  failure(): Error | undefined {
    return this.failed;
  }
}

/** The API's error code (e.g. `server_error`, `rate_limit_exceeded`) as `error.type`, else the event type. */
function responseError(error: unknown, eventType: string): GenAIResponseError {
  const e = (error ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' && e.code !== '' ? e.code : eventType;
  return new GenAIResponseError(code, typeof e.message === 'string' ? e.message : `the response stream reported ${eventType}`);
}
