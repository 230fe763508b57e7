/** spendtrace's own attribute names, and the shared names it uses for attribution. */

// Cost breakdown in USD; `gen_ai.usage.cost.amount` is their sum.
export const ATTR_COST_INPUT = 'spendtrace.cost.input';
export const ATTR_COST_CACHE_READ = 'spendtrace.cost.cache_read';
export const ATTR_COST_CACHE_WRITE = 'spendtrace.cost.cache_write';
export const ATTR_COST_OUTPUT = 'spendtrace.cost.output';
export const ATTR_COST_REASONING = 'spendtrace.cost.reasoning';
/** The catalog entry a call was priced with (canonical model id). */
export const ATTR_PRICING_MODEL = 'spendtrace.pricing.model';
/** Version of the catalog (or override set) that produced the price. */
export const ATTR_PRICING_VERSION = 'spendtrace.pricing.version';
/** Why a call has no price: `unknown_model` (never priced as zero silently). */
export const ATTR_PRICING_STATUS = 'spendtrace.pricing.status';
/** Comma-free list of rules applied, e.g. `tier:>200k`, `batch`, `service_tier:flex`, `region:eu`. */
export const ATTR_PRICING_ADJUSTMENTS = 'spendtrace.pricing.adjustments';

// Token detail the GenAI conventions do not split out but prices depend on.
/** Part of `gen_ai.usage.cache_creation.input_tokens` written with a 1 hour TTL (Anthropic). */
export const ATTR_USAGE_CACHE_CREATION_1H_INPUT_TOKENS = 'spendtrace.usage.cache_creation_1h.input_tokens';
export const ATTR_USAGE_AUDIO_INPUT_TOKENS = 'spendtrace.usage.audio.input_tokens';
export const ATTR_USAGE_AUDIO_OUTPUT_TOKENS = 'spendtrace.usage.audio.output_tokens';
/** Request modifiers that change the price. */
export const ATTR_REQUEST_BATCH = 'spendtrace.request.batch';
export const ATTR_REQUEST_SERVICE_TIER = 'spendtrace.request.service_tier';

// Attribution, set at the call site and carried in OTel context and W3C baggage under these same keys.
export const ATTR_FEATURE = 'spendtrace.feature';
export const ATTR_CUSTOMER_ID = 'spendtrace.customer.id';
export const ATTR_TEAM = 'spendtrace.team';
export const ATTR_PROMPT_VERSION = 'spendtrace.prompt.version';

// Workflow aggregates: carried by agent/workflow/root spans, never under gen_ai.usage.*.
export const ATTR_WORKFLOW_COST = 'spendtrace.workflow.cost';
export const ATTR_WORKFLOW_CALLS = 'spendtrace.workflow.calls';
export const ATTR_WORKFLOW_INPUT_TOKENS = 'spendtrace.workflow.input_tokens';
export const ATTR_WORKFLOW_OUTPUT_TOKENS = 'spendtrace.workflow.output_tokens';
export const ATTR_WORKFLOW_CACHE_READ_TOKENS = 'spendtrace.workflow.cache_read_tokens';
export const ATTR_WORKFLOW_CACHE_WRITE_TOKENS = 'spendtrace.workflow.cache_write_tokens';
export const ATTR_WORKFLOW_REASONING_TOKENS = 'spendtrace.workflow.reasoning_tokens';
export const ATTR_WORKFLOW_ERRORS = 'spendtrace.workflow.errors';
export const ATTR_WORKFLOW_MODELS = 'spendtrace.workflow.models';
export const ATTR_WORKFLOW_TOOLS = 'spendtrace.workflow.tools';
export const ATTR_WORKFLOW_DURATION_NS = 'spendtrace.workflow.duration_ns';

// Metrics the instrumentation adds next to the GenAI ones.
export const METRIC_COST = 'spendtrace.client.cost';
export const COST_CURRENCY = 'USD';
export const COST_SOURCE = { LOCAL: 'local', PROVIDER: 'provider' } as const;
