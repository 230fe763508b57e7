/**
 * Reading `@google/genai` responses into a call outcome. Gemini reports cached tokens inside
 * `promptTokenCount` and thinking outside `candidatesTokenCount`; `usageFromGemini` (pricing)
 * turns that into GenAI semantics (output = candidates + thoughts, reasoning = thoughts).
 */
import type { CanonicalUsage } from '@spendtrace/pricing';
import { canonicalUsage, stringOrUndefined } from '../core/index.ts';
import type { GenAICallOutcome, StreamObserver } from '../core/index.ts';
import { finishReasonOf, outputMessagesOf } from './request.ts';

interface CandidateLike {
  index?: unknown;
  finishReason?: unknown;
  content?: { parts?: Array<{ text?: unknown; thought?: unknown }> };
}
interface GenerateResponseLike {
  responseId?: unknown;
  modelVersion?: unknown;
  candidates?: CandidateLike[];
  usageMetadata?: unknown;
}

function finishReasonsOf(candidates: CandidateLike[] | undefined): string[] | undefined {
  if (!Array.isArray(candidates)) return undefined;
  const reasons = candidates.map((c) => finishReasonOf(c?.finishReason)).filter((r): r is string => r !== undefined);
  return reasons.length > 0 ? reasons : undefined;
}

export function generateOutcome(response: unknown, captureContent: boolean): GenAICallOutcome {
  const r = (response ?? {}) as GenerateResponseLike;
  return {
    responseId: stringOrUndefined(r.responseId),
    responseModel: stringOrUndefined(r.modelVersion),
    finishReasons: finishReasonsOf(r.candidates),
    usage: canonicalUsage('usageFromGemini', r.usageMetadata),
    ...(captureContent ? { outputMessages: () => outputMessagesOf(r.candidates) } : {}),
  };
}

interface EmbedResponseLike {
  usageMetadata?: { promptTokenCount?: unknown };
  embeddings?: Array<{ statistics?: { tokenCount?: unknown } }>;
}

/**
 * Embedding usage: the Gemini API reports `usageMetadata.promptTokenCount`; Vertex AI's predict
 * endpoint reports a token count per embedded text instead, summed here.
 */
export function embedOutcome(response: unknown): GenAICallOutcome {
  const r = (response ?? {}) as EmbedResponseLike;
  const reported = r.usageMetadata?.promptTokenCount;
  if (typeof reported === 'number') return { usage: canonicalUsage('usageFromGemini', r.usageMetadata) };
  const counts = (Array.isArray(r.embeddings) ? r.embeddings : []).map((e) => e?.statistics?.tokenCount);
  if (counts.length === 0 || !counts.every((n): n is number => typeof n === 'number')) return {};
  const promptTokenCount = counts.reduce((sum, n) => sum + n, 0);
  return { usage: canonicalUsage('usageFromGemini', { promptTokenCount, totalTokenCount: promptTokenCount }) };
}

/**
 * Follows a `generateContentStream` response. Every chunk carries the usage so far, so the last
 * one seen is the usage of everything the caller received (all of it when the stream completes).
 */
export class GeminiStreamAccumulator implements StreamObserver<unknown> {
  private readonly captureContent: boolean;
  private responseId: string | undefined;
  private responseModel: string | undefined;
  private usageMetadata: unknown;
  private readonly finishReasons = new Map<number, string>();
  private readonly texts = new Map<number, string>();

  constructor(captureContent: boolean) {
    this.captureContent = captureContent;
  }

  onChunk(chunk: unknown): void {
    const c = (chunk ?? {}) as GenerateResponseLike;
    this.responseId ??= stringOrUndefined(c.responseId);
    this.responseModel ??= stringOrUndefined(c.modelVersion);
    if (c.usageMetadata !== undefined) this.usageMetadata = c.usageMetadata;
    if (!Array.isArray(c.candidates)) return;
    for (const [position, candidate] of c.candidates.entries()) {
      const index = typeof candidate?.index === 'number' ? candidate.index : position;
      const reason = finishReasonOf(candidate?.finishReason);
      if (reason !== undefined) this.finishReasons.set(index, reason);
      if (this.captureContent) {
        const text = (candidate?.content?.parts ?? []).map((p) => (typeof p?.text === 'string' && p.thought !== true ? p.text : '')).join('');
        this.texts.set(index, (this.texts.get(index) ?? '') + text);
      }
    }
  }

  usage(): CanonicalUsage | undefined {
    return canonicalUsage('usageFromGemini', this.usageMetadata);
  }

  outcome(): GenAICallOutcome {
    const indexes = [...this.finishReasons.keys()].sort((a, b) => a - b);
    return {
      responseId: this.responseId,
      responseModel: this.responseModel,
      finishReasons: indexes.length > 0 ? indexes.map((i) => this.finishReasons.get(i) ?? '') : undefined,
      usage: this.usage(),
      ...(this.captureContent
        ? {
            outputMessages: () =>
              [...this.texts.entries()]
                .sort(([a], [b]) => a - b)
                .map(([index, text]) => ({ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: this.finishReasons.get(index) })),
          }
        : {}),
    };
  }
}
