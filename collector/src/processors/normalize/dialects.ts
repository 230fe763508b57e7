import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COST_AMOUNT,
  ATTR_GEN_AI_USAGE_COST_SOURCE,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  COST_SOURCE,
  GEN_AI_OPERATION,
  INFERENCE_OPERATIONS,
  LANGFUSE,
  LEGACY_GEN_AI,
  OPENINFERENCE,
  OPENLIT,
  OPENLLMETRY,
  VERCEL_AI,
  VERCEL_AI_CALL_OPERATIONS,
} from '@spendtrace/semconv';
import type { Attributes } from '../../model.ts';
import { firstNumber, firstString, readBoolean, readJsonObject, readNumber, readString, readStringList, toNumber } from '../attributes.ts';
import { canonicalProvider, type RawUsage } from './providers.ts';

/**
 * One reader per telemetry dialect. Each looks at a span's attributes and says whether the span is
 * one LLM call in its dialect (and reads it), is explicitly not one (an agent, workflow, chain or
 * aggregate span), or is not in its dialect at all.
 */

export interface CallReading {
  kind: 'call';
  dialect: string;
  provider: string;
  operation: string;
  requestModel: string;
  responseModel: string;
  responseId: string;
  usage: RawUsage;
  /** A cost the provider or a library reported, in USD; undefined when none. */
  reportedCostUsd: number | undefined;
  streaming: boolean;
  timeToFirstChunkNs: bigint;
  finishReasons: string[];
}

export type Reading = CallReading | { kind: 'not_call' } | undefined;

const NOT_CALL = { kind: 'not_call' } as const;

/*
 * Attribute names tried in order for one value, current spellings before older ones. Module
 * constants rather than literals at each read, which would build a fresh array for every span.
 */
const VERCEL_INPUT_TOKENS = [VERCEL_AI.USAGE_INPUT_TOKENS, VERCEL_AI.USAGE_PROMPT_TOKENS, ATTR_GEN_AI_USAGE_INPUT_TOKENS];
const VERCEL_OUTPUT_TOKENS = [VERCEL_AI.USAGE_OUTPUT_TOKENS, VERCEL_AI.USAGE_COMPLETION_TOKENS, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS];
const VERCEL_PROVIDER = [VERCEL_AI.MODEL_PROVIDER, LEGACY_GEN_AI.SYSTEM];
const VERCEL_REQUEST_MODEL = [VERCEL_AI.MODEL_ID, ATTR_GEN_AI_REQUEST_MODEL];
const VERCEL_RESPONSE_MODEL = [VERCEL_AI.RESPONSE_MODEL, ATTR_GEN_AI_RESPONSE_MODEL];
const VERCEL_RESPONSE_ID = [VERCEL_AI.RESPONSE_ID, ATTR_GEN_AI_RESPONSE_ID];
const LANGFUSE_MODEL = [LANGFUSE.OBSERVATION_MODEL, ATTR_GEN_AI_RESPONSE_MODEL, ATTR_GEN_AI_REQUEST_MODEL];
const GENAI_PROVIDER = [ATTR_GEN_AI_PROVIDER_NAME, LEGACY_GEN_AI.SYSTEM];
const OPENINFERENCE_MODEL = [OPENINFERENCE.LLM_MODEL_NAME, OPENINFERENCE.EMBEDDING_MODEL_NAME];
const OPENINFERENCE_PROVIDER = [OPENINFERENCE.LLM_PROVIDER, OPENINFERENCE.LLM_SYSTEM];
const LEGACY_INPUT_TOKENS = [LEGACY_GEN_AI.USAGE_PROMPT_TOKENS, OPENLLMETRY.LLM_USAGE_PROMPT_TOKENS];
const LEGACY_OUTPUT_TOKENS = [LEGACY_GEN_AI.USAGE_COMPLETION_TOKENS, OPENLLMETRY.LLM_USAGE_COMPLETION_TOKENS];
const GENAI_CACHE_READ_TOKENS = [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, LEGACY_GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS, OPENLLMETRY.LLM_USAGE_CACHE_READ_INPUT_TOKENS];
const GENAI_CACHE_WRITE_TOKENS = [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, LEGACY_GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS, OPENLLMETRY.LLM_USAGE_CACHE_CREATION_INPUT_TOKENS];
const GENAI_REASONING_TOKENS = [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, LEGACY_GEN_AI.USAGE_REASONING_TOKENS, OPENLLMETRY.LLM_USAGE_REASONING_TOKENS];

function secondsToNs(seconds: number | undefined): bigint {
  return seconds === undefined ? 0n : BigInt(Math.round(seconds * 1e9));
}

/** A cost reported next to GenAI attributes: our own `source=provider` amount, or OpenLIT/LiteLLM's. */
function reportedGenAICost(a: Attributes): number | undefined {
  const amount = readNumber(a, ATTR_GEN_AI_USAGE_COST_AMOUNT);
  // A `local` amount was computed from a catalog in the app; the collector's catalog is authoritative.
  if (amount !== undefined && readString(a, ATTR_GEN_AI_USAGE_COST_SOURCE) === COST_SOURCE.PROVIDER) return amount;
  return readNumber(a, OPENLIT.USAGE_COST);
}

/** The AI SDK: only the inner doGenerate/doStream/doEmbed spans are calls; the outer ones carry aggregate usage. */
export function readVercelAI(a: Attributes): Reading {
  const operationId = readString(a, VERCEL_AI.OPERATION_ID);
  if (operationId === '' || !operationId.startsWith('ai.')) return undefined;
  if (!VERCEL_AI_CALL_OPERATIONS.has(operationId)) return NOT_CALL;
  const embedding = operationId.startsWith('ai.embed');
  const input = embedding ? (readNumber(a, VERCEL_AI.USAGE_TOKENS) ?? 0) : (firstNumber(a, VERCEL_INPUT_TOKENS) ?? 0);
  const finish = readString(a, VERCEL_AI.RESPONSE_FINISH_REASON);
  const msToFirstChunk = readNumber(a, VERCEL_AI.RESPONSE_MS_TO_FIRST_CHUNK);
  return {
    kind: 'call',
    dialect: 'vercel_ai',
    provider: canonicalProvider(firstString(a, VERCEL_PROVIDER)),
    operation: embedding ? GEN_AI_OPERATION.EMBEDDINGS : GEN_AI_OPERATION.CHAT,
    requestModel: firstString(a, VERCEL_REQUEST_MODEL),
    responseModel: firstString(a, VERCEL_RESPONSE_MODEL),
    responseId: firstString(a, VERCEL_RESPONSE_ID),
    usage: {
      input,
      output: firstNumber(a, VERCEL_OUTPUT_TOKENS) ?? 0,
      cacheRead: readNumber(a, VERCEL_AI.USAGE_CACHED_INPUT_TOKENS) ?? 0,
      cacheWrite: 0,
      reasoning: readNumber(a, VERCEL_AI.USAGE_REASONING_TOKENS) ?? 0,
      // The SDK passes each provider's own counts through (Anthropic input without cache).
      semantics: 'provider',
    },
    reportedCostUsd: reportedGenAICost(a),
    streaming: operationId.endsWith('doStream'),
    timeToFirstChunkNs: msToFirstChunk === undefined ? 0n : BigInt(Math.round(msToFirstChunk * 1e6)),
    finishReasons: finish === '' ? [] : [finish],
  };
}

/** Langfuse: `generation` and `embedding` observations are calls; usage and cost details are JSON objects. */
export function readLangfuse(a: Attributes): Reading {
  const type = readString(a, LANGFUSE.OBSERVATION_TYPE);
  if (type === '') return undefined;
  if (type !== 'generation' && type !== 'embedding') return NOT_CALL;
  const usage = readJsonObject(a, LANGFUSE.OBSERVATION_USAGE_DETAILS) ?? {};
  let input = 0;
  let output = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let reasoning = 0;
  for (const [key, value] of Object.entries(usage)) {
    const n = typeof value === 'number' || typeof value === 'string' ? toNumber(value) : undefined;
    if (n === undefined || key === 'total') continue;
    // Langfuse keeps every detail apart from `input` / `output` (e.g. input_cached_tokens, output_reasoning_tokens).
    if (key === 'input' || key === 'prompt_tokens' || key === 'input_tokens') input += n;
    else if (key === 'output' || key === 'completion_tokens' || key === 'output_tokens') output += n;
    else if (/cache_read|cached/.test(key)) cacheRead += n;
    else if (/cache_creation|cache_write/.test(key)) cacheWrite += n;
    else if (/reasoning/.test(key)) reasoning += n;
    else if (key.startsWith('input')) input += n;
    else if (key.startsWith('output')) output += n;
  }
  const cost = readJsonObject(a, LANGFUSE.OBSERVATION_COST_DETAILS);
  const costTotal = cost ? toNumber(cost['total'] as number | string | undefined) : undefined;
  const model = firstString(a, LANGFUSE_MODEL);
  return {
    kind: 'call',
    dialect: 'langfuse',
    provider: canonicalProvider(firstString(a, GENAI_PROVIDER)),
    operation: type === 'embedding' ? GEN_AI_OPERATION.EMBEDDINGS : GEN_AI_OPERATION.CHAT,
    requestModel: readString(a, ATTR_GEN_AI_REQUEST_MODEL) || model,
    responseModel: readString(a, ATTR_GEN_AI_RESPONSE_MODEL) || model,
    responseId: readString(a, ATTR_GEN_AI_RESPONSE_ID),
    usage: { input, output, cacheRead, cacheWrite, reasoning, semantics: 'exclusive' },
    reportedCostUsd: costTotal,
    streaming: false,
    timeToFirstChunkNs: 0n,
    finishReasons: [],
  };
}

/** OpenInference: LLM and EMBEDDING spans are calls; prompt details are subsets of the prompt count. */
export function readOpenInference(a: Attributes): Reading {
  const kind = readString(a, OPENINFERENCE.SPAN_KIND).toUpperCase();
  if (kind === '') return undefined;
  if (kind !== 'LLM' && kind !== 'EMBEDDING') return NOT_CALL;
  const model = firstString(a, OPENINFERENCE_MODEL);
  return {
    kind: 'call',
    dialect: 'openinference',
    provider: canonicalProvider(firstString(a, OPENINFERENCE_PROVIDER)),
    operation: kind === 'EMBEDDING' ? GEN_AI_OPERATION.EMBEDDINGS : GEN_AI_OPERATION.CHAT,
    requestModel: model,
    responseModel: model,
    responseId: readString(a, ATTR_GEN_AI_RESPONSE_ID),
    usage: {
      input: readNumber(a, OPENINFERENCE.TOKEN_COUNT_PROMPT) ?? 0,
      output: readNumber(a, OPENINFERENCE.TOKEN_COUNT_COMPLETION) ?? 0,
      cacheRead: readNumber(a, OPENINFERENCE.TOKEN_COUNT_PROMPT_CACHE_READ) ?? 0,
      cacheWrite: readNumber(a, OPENINFERENCE.TOKEN_COUNT_PROMPT_CACHE_WRITE) ?? 0,
      reasoning: readNumber(a, OPENINFERENCE.TOKEN_COUNT_COMPLETION_REASONING) ?? 0,
      semantics: 'canonical',
    },
    reportedCostUsd: readNumber(a, OPENINFERENCE.COST_TOTAL),
    streaming: false,
    timeToFirstChunkNs: 0n,
    finishReasons: [],
  };
}

const LLM_REQUEST_TYPE_OPERATION: Record<string, string> = {
  chat: GEN_AI_OPERATION.CHAT,
  completion: GEN_AI_OPERATION.TEXT_COMPLETION,
  embedding: GEN_AI_OPERATION.EMBEDDINGS,
};

/**
 * The GenAI conventions, current and pre-1.37, and OpenLLMetry (which writes `gen_ai.*` next to its
 * own `llm.*` and `traceloop.*`). Current names take precedence over older spellings.
 */
export function readGenAI(a: Attributes): Reading {
  const operationName = readString(a, ATTR_GEN_AI_OPERATION_NAME);
  // Older markers and spellings are read only when the current ones are missing: each read of a
  // span's large attribute map costs, and most spans carry the current names.
  let requestType: string | undefined;
  let operation: string;
  if (operationName !== '') {
    if (!INFERENCE_OPERATIONS.has(operationName)) return NOT_CALL;
    operation = operationName;
  } else if ((requestType = readString(a, OPENLLMETRY.LLM_REQUEST_TYPE)) !== '') {
    const mapped = LLM_REQUEST_TYPE_OPERATION[requestType];
    if (!mapped) return NOT_CALL;
    operation = mapped;
  } else if (readString(a, OPENLLMETRY.SPAN_KIND) !== '') {
    return NOT_CALL; // workflow / task / agent / tool
  } else if (firstString(a, GENAI_PROVIDER) !== '' && (a[ATTR_GEN_AI_REQUEST_MODEL] !== undefined || a[ATTR_GEN_AI_RESPONSE_MODEL] !== undefined)) {
    operation = GEN_AI_OPERATION.CHAT;
  } else {
    return undefined;
  }

  const currentInput = readNumber(a, ATTR_GEN_AI_USAGE_INPUT_TOKENS);
  const currentOutput = readNumber(a, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
  const ttfc = readNumber(a, ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK);
  return {
    kind: 'call',
    dialect:
      currentInput !== undefined || a[ATTR_GEN_AI_PROVIDER_NAME] !== undefined
        ? 'genai'
        : (requestType ?? readString(a, OPENLLMETRY.LLM_REQUEST_TYPE)) !== ''
          ? 'openllmetry'
          : 'genai_legacy',
    provider: canonicalProvider(firstString(a, GENAI_PROVIDER)),
    operation,
    requestModel: readString(a, ATTR_GEN_AI_REQUEST_MODEL),
    responseModel: readString(a, ATTR_GEN_AI_RESPONSE_MODEL),
    responseId: readString(a, ATTR_GEN_AI_RESPONSE_ID),
    usage: {
      input: currentInput ?? firstNumber(a, LEGACY_INPUT_TOKENS) ?? 0,
      output: currentOutput ?? firstNumber(a, LEGACY_OUTPUT_TOKENS) ?? 0,
      cacheRead: firstNumber(a, GENAI_CACHE_READ_TOKENS) ?? 0,
      cacheWrite: firstNumber(a, GENAI_CACHE_WRITE_TOKENS) ?? 0,
      reasoning: firstNumber(a, GENAI_REASONING_TOKENS) ?? 0,
      // Current names are defined inclusively by the conventions; the older ones carried the provider's own counts.
      semantics: currentInput !== undefined ? 'canonical' : 'provider',
    },
    reportedCostUsd: reportedGenAICost(a),
    streaming: readBoolean(a, ATTR_GEN_AI_REQUEST_STREAM) ?? readBoolean(a, OPENLLMETRY.LLM_IS_STREAMING) ?? ttfc !== undefined,
    timeToFirstChunkNs: secondsToNs(ttfc),
    finishReasons: readStringList(a, ATTR_GEN_AI_RESPONSE_FINISH_REASONS),
  };
}

/** Readers in precedence order: the most specific markers first, because some dialects also write gen_ai.*. */
export const DIALECT_READERS: ReadonlyArray<(a: Attributes) => Reading> = [readVercelAI, readLangfuse, readOpenInference, readGenAI];

/**
 * Reads a span with the first dialect that recognises it. The readers of DIALECT_READERS are called
 * by name, in the same order, so that they can be inlined here.
 */
export function readCall(a: Attributes): Reading {
  return readVercelAI(a) ?? readLangfuse(a) ?? readOpenInference(a) ?? readGenAI(a);
}
