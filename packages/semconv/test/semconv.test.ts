import { describe, expect, it } from 'vitest';
import * as semconv from '@spendtrace/semconv';

describe('@spendtrace/semconv', () => {
  it('gives every attribute constant a distinct name', () => {
    const names = Object.entries(semconv)
      .filter(([key, value]) => key.startsWith('ATTR_') && typeof value === 'string')
      .map(([, value]) => value as string);
    expect(new Set(names).size).toBe(names.length);
  });

  it('keeps cost only on inference operations', () => {
    expect([...semconv.INFERENCE_OPERATIONS].sort()).toEqual(['chat', 'embeddings', 'generate_content', 'text_completion']);
    expect(semconv.INFERENCE_OPERATIONS.has(semconv.GEN_AI_OPERATION.INVOKE_AGENT)).toBe(false);
  });

  it('maps attribution keys to the DESIGN.md attribute names', () => {
    expect(semconv.ATTRIBUTION_ATTRIBUTES).toEqual({
      feature: 'spendtrace.feature',
      userId: 'user.id',
      customerId: 'spendtrace.customer.id',
      team: 'spendtrace.team',
      promptVersion: 'spendtrace.prompt.version',
      promptName: 'gen_ai.prompt.name',
      workflowName: 'gen_ai.workflow.name',
      agentName: 'gen_ai.agent.name',
      conversationId: 'gen_ai.conversation.id',
    });
  });
});

describe('canonicalProvider', () => {
  it.each([
    ['x.ai', 'x_ai'],
    ['aws-bedrock', 'aws.bedrock'],
    ['amazon-bedrock', 'aws.bedrock'],
    ['openai.chat', 'openai'],
    ['anthropic.messages', 'anthropic'],
    ['Google.Vertex_AI', 'gcp.vertex_ai'],
    ['azure.ai.openai', 'azure.ai.openai'],
    ['ibm.watsonx.ai', 'ibm.watsonx.ai'],
    ['some-new-host', 'some-new-host'],
    ['  ', ''],
  ])('maps %j to %j', (raw, expected) => {
    expect(semconv.canonicalProvider(raw)).toBe(expected);
  });
});
