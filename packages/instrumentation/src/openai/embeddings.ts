import type { AttributeValue } from '@opentelemetry/api';
import { ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, ATTR_GEN_AI_REQUEST_ENCODING_FORMATS } from '@spendtrace/semconv';
import type { CanonicalUsage } from '@spendtrace/pricing';
import { numberOrUndefined, setDefined, stringOrUndefined } from '../core/index.ts';
import type { GenAICallOutcome } from '../core/index.ts';

export function embeddingsRequestAttributes(params: Record<string, unknown>): Record<string, AttributeValue | undefined> {
  const format = stringOrUndefined(params.encoding_format);
  const attributes: Record<string, AttributeValue | undefined> = {};
  setDefined(attributes, ATTR_GEN_AI_REQUEST_ENCODING_FORMATS, format !== undefined ? [format] : undefined);
  setDefined(attributes, ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, numberOrUndefined(params.dimensions));
  return attributes;
}

/** Embeddings bill input only: `prompt_tokens`, no output. */
export function embeddingsOutcome(response: unknown): GenAICallOutcome {
  const r = (response ?? {}) as { model?: unknown; usage?: { prompt_tokens?: unknown } };
  const input = numberOrUndefined(r.usage?.prompt_tokens);
  const usage: CanonicalUsage | undefined = input !== undefined ? { inputTokens: input, outputTokens: 0 } : undefined;
  return { responseModel: stringOrUndefined(r.model), usage };
}
