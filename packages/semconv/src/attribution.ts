import { ATTR_GEN_AI_AGENT_NAME, ATTR_GEN_AI_CONVERSATION_ID, ATTR_GEN_AI_PROMPT_NAME, ATTR_GEN_AI_WORKFLOW_NAME, ATTR_USER_ID } from './genai.ts';
import { ATTR_CUSTOMER_ID, ATTR_FEATURE, ATTR_PROMPT_VERSION, ATTR_TEAM } from './spendtrace.ts';

/**
 * Attribution keys as the application names them, mapped to the span attribute (and W3C baggage key)
 * each one is recorded under. The baggage key is the attribute name so that any service, instrumented
 * by spendtrace or not, can read the same entries.
 */
export const ATTRIBUTION_ATTRIBUTES = {
  feature: ATTR_FEATURE,
  userId: ATTR_USER_ID,
  customerId: ATTR_CUSTOMER_ID,
  team: ATTR_TEAM,
  promptVersion: ATTR_PROMPT_VERSION,
  promptName: ATTR_GEN_AI_PROMPT_NAME,
  workflowName: ATTR_GEN_AI_WORKFLOW_NAME,
  agentName: ATTR_GEN_AI_AGENT_NAME,
  conversationId: ATTR_GEN_AI_CONVERSATION_ID,
} as const;
export type AttributionKey = keyof typeof ATTRIBUTION_ATTRIBUTES;
export type Attribution = Partial<Record<AttributionKey, string>>;
