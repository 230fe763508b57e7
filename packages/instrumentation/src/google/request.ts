/**
 * Reading a `@google/genai` request: which backend and model it goes to, the request attributes of
 * the GenAI conventions, and (when content capture is on) its messages in the conventions' shape.
 * Everything here reads user input defensively: an unexpected shape yields `undefined`, never a throw.
 */
import type { AttributeValue } from '@opentelemetry/api';
import {
  ATTR_CLOUD_REGION,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  GEN_AI_PROVIDER,
} from '@spendtrace/semconv';
import { choiceCountOrUndefined, numberOrUndefined, serverAttributes, setDefined, stringArrayOrUndefined, stringOrUndefined } from '../core/index.ts';

/** The parts of the SDK's internal `ApiClient` the instrumentation reads; each may be missing. */
export interface GoogleApiClientLike {
  isVertexAI?: () => boolean;
  getBaseUrl?: () => string;
  getLocation?: () => string | undefined;
}

/** Where a call goes, read from the `Models` instance's API client. */
export interface GoogleBackend {
  provider: string;
  serverAddress?: string;
  serverPort?: number;
  /** Vertex AI location (a region, or `global`); undefined on the Gemini API. */
  location?: string;
}

function call<T>(fn: (() => T) | undefined, self: unknown): T | undefined {
  if (typeof fn !== 'function') return undefined;
  try {
    return fn.call(self);
  } catch {
    return undefined;
  }
}

/** The base URL a @google/genai API client sends to. */
export function baseUrlOf(apiClient: GoogleApiClientLike | undefined): unknown {
  return call(apiClient?.getBaseUrl, apiClient);
}

export function backendOf(apiClient: GoogleApiClientLike | undefined): GoogleBackend {
  const vertex = call(apiClient?.isVertexAI, apiClient) === true;
  const backend: GoogleBackend = {
    provider: vertex ? GEN_AI_PROVIDER.GCP_VERTEX_AI : GEN_AI_PROVIDER.GCP_GEMINI,
    ...serverAttributes(baseUrlOf(apiClient)),
  };
  if (vertex) {
    const location = call(apiClient?.getLocation, apiClient);
    if (typeof location === 'string' && location !== '') backend.location = location;
  }
  return backend;
}

/**
 * The model id from any form the SDK accepts: `gemini-2.5-flash`, `models/…`, `tunedModels/…`,
 * `publishers/google/models/…`, `google/…` or a full `projects/…/models/…` resource name.
 */
export function modelIdOf(model: unknown): string | undefined {
  if (typeof model !== 'string' || model === '') return undefined;
  const afterModels = model.lastIndexOf('models/');
  if (afterModels >= 0 && !model.startsWith('tunedModels/')) return model.slice(afterModels + 'models/'.length);
  if (/^[a-z0-9-]+\/[^/]+$/i.test(model) && !model.startsWith('tunedModels/')) return model.slice(model.indexOf('/') + 1);
  return model;
}

interface GenerateConfigLike {
  temperature?: unknown;
  topP?: unknown;
  topK?: unknown;
  maxOutputTokens?: unknown;
  stopSequences?: unknown;
  candidateCount?: unknown;
  seed?: unknown;
  presencePenalty?: unknown;
  frequencyPenalty?: unknown;
  responseMimeType?: unknown;
  systemInstruction?: unknown;
  tools?: unknown;
}

function outputTypeOf(mimeType: unknown): string | undefined {
  if (mimeType === 'application/json') return 'json';
  if (mimeType === 'text/plain') return 'text';
  return undefined;
}

/** `gen_ai.request.*` attributes from a `generateContent` config. */
export function generateRequestAttributes(config: unknown, backend: GoogleBackend): Record<string, AttributeValue | undefined> {
  const c = (typeof config === 'object' && config !== null ? config : {}) as GenerateConfigLike;
  const attributes: Record<string, AttributeValue | undefined> = {};
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TEMPERATURE, numberOrUndefined(c.temperature));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_P, numberOrUndefined(c.topP));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_TOP_K, numberOrUndefined(c.topK));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_MAX_TOKENS, numberOrUndefined(c.maxOutputTokens));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, stringArrayOrUndefined(c.stopSequences));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_CHOICE_COUNT, choiceCountOrUndefined(c.candidateCount));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_SEED, numberOrUndefined(c.seed));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, numberOrUndefined(c.presencePenalty));
  setDefined(attributes, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, numberOrUndefined(c.frequencyPenalty));
  setDefined(attributes, ATTR_GEN_AI_OUTPUT_TYPE, outputTypeOf(c.responseMimeType));
  setDefined(attributes, ATTR_CLOUD_REGION, backend.location);
  return attributes;
}

// ---- content, recorded only when capture is on ----

interface PartLike {
  text?: unknown;
  thought?: unknown;
  functionCall?: { name?: unknown; args?: unknown; id?: unknown };
  functionResponse?: { name?: unknown; response?: unknown; id?: unknown };
  inlineData?: { mimeType?: unknown };
  fileData?: { mimeType?: unknown; fileUri?: unknown };
}
interface ContentLike {
  role?: unknown;
  parts?: unknown;
}

/** One SDK part as a GenAI-conventions message part. */
function partOf(part: unknown): Record<string, unknown> | undefined {
  if (typeof part === 'string') return { type: 'text', content: part };
  if (typeof part !== 'object' || part === null) return undefined;
  const p = part as PartLike;
  if (typeof p.text === 'string') return { type: p.thought === true ? 'reasoning' : 'text', content: p.text };
  if (p.functionCall) return { type: 'tool_call', name: stringOrUndefined(p.functionCall.name), id: stringOrUndefined(p.functionCall.id), arguments: p.functionCall.args };
  if (p.functionResponse) return { type: 'tool_call_response', id: stringOrUndefined(p.functionResponse.id), response: p.functionResponse.response };
  if (p.inlineData) return { type: 'blob', mime_type: stringOrUndefined(p.inlineData.mimeType) };
  if (p.fileData) return { type: 'uri', mime_type: stringOrUndefined(p.fileData.mimeType), uri: stringOrUndefined(p.fileData.fileUri) };
  return undefined;
}

function roleOf(role: unknown): string {
  return role === 'model' ? 'assistant' : typeof role === 'string' ? role : 'user';
}

function isContent(value: unknown): value is ContentLike {
  return typeof value === 'object' && value !== null && 'parts' in value;
}

function partsOf(parts: unknown): Record<string, unknown>[] {
  return (Array.isArray(parts) ? parts : [parts]).map(partOf).filter((p): p is Record<string, unknown> => p !== undefined);
}

/**
 * `contents` as the SDK accepts it (a string, a part, a content, or an array of either) as GenAI
 * input messages. Consecutive bare parts form one user message, as the SDK itself groups them.
 */
export function inputMessagesOf(contents: unknown): unknown[] {
  const list = Array.isArray(contents) ? contents : [contents];
  const messages: Array<{ role: string; parts: Record<string, unknown>[] }> = [];
  let pending: Record<string, unknown>[] = [];
  const flush = (): void => {
    if (pending.length > 0) messages.push({ role: 'user', parts: pending });
    pending = [];
  };
  for (const item of list) {
    if (isContent(item)) {
      flush();
      messages.push({ role: roleOf(item.role), parts: partsOf(item.parts) });
    } else {
      const part = partOf(item);
      if (part) pending.push(part);
    }
  }
  flush();
  return messages;
}

/** `config.systemInstruction` (a string, parts or a content) as GenAI system instruction parts. */
export function systemInstructionsOf(config: unknown): unknown {
  const instruction = (config as GenerateConfigLike | undefined)?.systemInstruction;
  if (instruction === undefined) return undefined;
  return isContent(instruction) ? partsOf(instruction.parts) : partsOf(instruction);
}

/** Function declarations of `config.tools` as GenAI tool definitions. */
export function toolDefinitionsOf(config: unknown): unknown {
  const tools = (config as GenerateConfigLike | undefined)?.tools;
  if (!Array.isArray(tools)) return undefined;
  const definitions = tools.flatMap((tool: { functionDeclarations?: Array<{ name?: unknown; description?: unknown; parameters?: unknown }> }) =>
    (tool?.functionDeclarations ?? []).map((fn) => ({ type: 'function', name: fn.name, description: fn.description, parameters: fn.parameters })),
  );
  return definitions.length > 0 ? definitions : undefined;
}

/** Candidates of a response as GenAI output messages. */
export function outputMessagesOf(candidates: unknown): unknown[] {
  if (!Array.isArray(candidates)) return [];
  return candidates.map((candidate: { content?: ContentLike; finishReason?: unknown }) => ({
    role: 'assistant',
    parts: partsOf(candidate?.content?.parts ?? []),
    finish_reason: finishReasonOf(candidate?.finishReason),
  }));
}

/** Gemini finish reasons (`STOP`, `MAX_TOKENS`, `SAFETY`…) in the lower case the conventions use. */
export function finishReasonOf(reason: unknown): string | undefined {
  return typeof reason === 'string' ? reason.toLowerCase() : undefined;
}
