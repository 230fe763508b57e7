/**
 * Attribute names of the other GenAI telemetry dialects found in the wild. The collector reads them
 * to turn any instrumentation's spans into one canonical call; nothing in spendtrace writes them.
 *
 * Grouped per dialect (not `ATTR_*` constants) because several dialects share a name with each other
 * or with the current conventions (e.g. `user.id`, `gen_ai.request.model`).
 */

/** GenAI semantic conventions before 1.37 (provider under `gen_ai.system`, OpenAI-style usage names). */
export const LEGACY_GEN_AI = {
  SYSTEM: 'gen_ai.system',
  USAGE_PROMPT_TOKENS: 'gen_ai.usage.prompt_tokens',
  USAGE_COMPLETION_TOKENS: 'gen_ai.usage.completion_tokens',
  USAGE_TOTAL_TOKENS: 'gen_ai.usage.total_tokens',
  /** Underscore spellings used before the dotted cache names were adopted (OpenLLMetry, others). */
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read_input_tokens',
  USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation_input_tokens',
  USAGE_REASONING_TOKENS: 'gen_ai.usage.reasoning_tokens',
} as const;

/** OpenLLMetry / Traceloop. */
export const OPENLLMETRY = {
  /** `chat`, `completion`, `embedding`, `rerank`, `unknown`. */
  LLM_REQUEST_TYPE: 'llm.request.type',
  LLM_USAGE_PROMPT_TOKENS: 'llm.usage.prompt_tokens',
  LLM_USAGE_COMPLETION_TOKENS: 'llm.usage.completion_tokens',
  LLM_USAGE_TOTAL_TOKENS: 'llm.usage.total_tokens',
  LLM_USAGE_CACHE_READ_INPUT_TOKENS: 'llm.usage.cache_read_input_tokens',
  LLM_USAGE_CACHE_CREATION_INPUT_TOKENS: 'llm.usage.cache_creation_input_tokens',
  LLM_USAGE_REASONING_TOKENS: 'llm.usage.reasoning_tokens',
  LLM_IS_STREAMING: 'llm.is_streaming',
  /** `workflow`, `task`, `agent`, `tool`. */
  SPAN_KIND: 'traceloop.span.kind',
  WORKFLOW_NAME: 'traceloop.workflow.name',
  ENTITY_NAME: 'traceloop.entity.name',
  /** Prefix: `traceloop.association.properties.<key>` carries user-set association properties. */
  ASSOCIATION_PROPERTIES_PREFIX: 'traceloop.association.properties.',
} as const;

/** OpenInference (Arize Phoenix). */
export const OPENINFERENCE = {
  /** `LLM`, `EMBEDDING`, `CHAIN`, `AGENT`, `TOOL`, `RETRIEVER`, ... */
  SPAN_KIND: 'openinference.span.kind',
  LLM_MODEL_NAME: 'llm.model_name',
  LLM_PROVIDER: 'llm.provider',
  LLM_SYSTEM: 'llm.system',
  EMBEDDING_MODEL_NAME: 'embedding.model_name',
  TOKEN_COUNT_PROMPT: 'llm.token_count.prompt',
  TOKEN_COUNT_COMPLETION: 'llm.token_count.completion',
  TOKEN_COUNT_TOTAL: 'llm.token_count.total',
  TOKEN_COUNT_PROMPT_CACHE_READ: 'llm.token_count.prompt_details.cache_read',
  TOKEN_COUNT_PROMPT_CACHE_WRITE: 'llm.token_count.prompt_details.cache_write',
  TOKEN_COUNT_COMPLETION_REASONING: 'llm.token_count.completion_details.reasoning',
  COST_TOTAL: 'llm.cost.total',
  SESSION_ID: 'session.id',
  USER_ID: 'user.id',
  TOOL_NAME: 'tool.name',
} as const;

/** Vercel AI SDK telemetry (`experimental_telemetry`). */
export const VERCEL_AI = {
  /** e.g. `ai.generateText` (outer, aggregate) or `ai.generateText.doGenerate` (one provider call). */
  OPERATION_ID: 'ai.operationId',
  MODEL_ID: 'ai.model.id',
  /** e.g. `openai.chat`, `anthropic.messages`, `google.generative-ai`, `amazon-bedrock`. */
  MODEL_PROVIDER: 'ai.model.provider',
  RESPONSE_MODEL: 'ai.response.model',
  RESPONSE_ID: 'ai.response.id',
  RESPONSE_FINISH_REASON: 'ai.response.finishReason',
  RESPONSE_MS_TO_FIRST_CHUNK: 'ai.response.msToFirstChunk',
  /** AI SDK 4 names. */
  USAGE_PROMPT_TOKENS: 'ai.usage.promptTokens',
  USAGE_COMPLETION_TOKENS: 'ai.usage.completionTokens',
  /** AI SDK 5+ names. */
  USAGE_INPUT_TOKENS: 'ai.usage.inputTokens',
  USAGE_OUTPUT_TOKENS: 'ai.usage.outputTokens',
  USAGE_CACHED_INPUT_TOKENS: 'ai.usage.cachedInputTokens',
  USAGE_REASONING_TOKENS: 'ai.usage.reasoningTokens',
  /** Embedding calls. */
  USAGE_TOKENS: 'ai.usage.tokens',
  TELEMETRY_FUNCTION_ID: 'ai.telemetry.functionId',
  /** Prefix: `ai.telemetry.metadata.<key>` carries user metadata. */
  TELEMETRY_METADATA_PREFIX: 'ai.telemetry.metadata.',
} as const;

/** Operation ids of the AI SDK spans that are one provider call (the inner spans). */
export const VERCEL_AI_CALL_OPERATIONS: ReadonlySet<string> = new Set([
  'ai.generateText.doGenerate',
  'ai.streamText.doStream',
  'ai.generateObject.doGenerate',
  'ai.streamObject.doStream',
  'ai.embed.doEmbed',
  'ai.embedMany.doEmbed',
]);

/** OpenLIT and LiteLLM: a provider-or-library-computed cost in USD. */
export const OPENLIT = {
  USAGE_COST: 'gen_ai.usage.cost',
} as const;

/** Langfuse OpenTelemetry attributes. */
export const LANGFUSE = {
  /** `generation`, `embedding`, `span`, `agent`, `tool`, `event`, ... */
  OBSERVATION_TYPE: 'langfuse.observation.type',
  OBSERVATION_MODEL: 'langfuse.observation.model.name',
  /** JSON object: `{"input": n, "output": n, "total": n, "input_cached_tokens": n, ...}`. */
  OBSERVATION_USAGE_DETAILS: 'langfuse.observation.usage_details',
  /** JSON object of USD amounts: `{"input": x, "output": y, "total": z}`. */
  OBSERVATION_COST_DETAILS: 'langfuse.observation.cost_details',
  USER_ID: 'langfuse.user.id',
  SESSION_ID: 'langfuse.session.id',
  ENVIRONMENT: 'langfuse.environment',
  /** Prefix: `langfuse.trace.metadata.<key>`. */
  TRACE_METADATA_PREFIX: 'langfuse.trace.metadata.',
} as const;

/** Resource attribute before `deployment.environment.name` replaced it. */
export const DEPRECATED_DEPLOYMENT_ENVIRONMENT = 'deployment.environment';
