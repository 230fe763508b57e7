/**
 * The demo workload as data: a deterministic plan of what the demo application does, in two phases
 * separated by a deploy. The plan decides every call's provider, model, streaming, prompt and exact
 * token usage (the local provider server reports the usage it is told to), so tests derive their
 * expected numbers (calls per feature, cost from the price catalog, workflow totals) from the same
 * plan that the demo runs.
 *
 * The story: an app serving four features to five customers.
 * - support-chat: streamed answers on OpenAI (gpt-5.4-mini) and Anthropic (claude-haiku-5-5), with
 *   a long system prompt that providers serve from their prompt cache. One call is rate limited (429)
 *   and the app falls back to Anthropic.
 * - ticket-summarizer: Bedrock Converse (Claude Sonnet 5.5 through the `us.` inference profile).
 *   The deploy ships prompt v4 with few-shot examples: several times the input tokens per call.
 * - search-rerank: Gemini (gemini-3.5-flash-lite), small calls.
 * - code-review-agent: a multi-step agent workflow (workflow → planner agent → tool → reviewer agent
 *   with a tool call → tool → final answer → summarizer agent on Gemini with thinking).
 */
import { PROMPTS, REPOSITORIES, SEARCH_QUERIES, SUPPORT_QUESTIONS, TICKETS } from './prompts.ts';
import type { PromptTemplate } from './prompts.ts';

export type ProviderName = 'openai' | 'anthropic' | 'gcp.gemini' | 'aws.bedrock';

/** Usage in OpenTelemetry semantics: input includes cache reads and writes, output includes reasoning. */
export interface PlannedUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export interface ToolDefinition {
  name: string;
  description: string;
}

export interface PlannedCall {
  kind: 'call';
  provider: ProviderName;
  model: string;
  stream: boolean;
  system: string;
  user: string;
  /** Tools offered to the model; `toolCall` says whether the model answers with a call of the first one. */
  tools?: ToolDefinition[];
  toolCall?: boolean;
  /** The previous call of this agent asked for a tool: send its call and this result back. */
  toolResult?: string;
  /** Usage the provider reports; all zero when the call fails. */
  usage: PlannedUsage;
  /** The provider answers 429; the app handles the error. */
  rateLimited?: boolean;
  /** Time until the response (or its first chunk) starts, in ms. */
  latencyMs?: number;
}

export interface PlannedTool {
  kind: 'tool';
  name: string;
  /** Simulated work, in ms. */
  durationMs: number;
}

export interface PlannedAgent {
  kind: 'agent';
  name: string;
  /** The prompt template this agent uses, when it differs from the session's. */
  prompt?: PromptTemplate;
  steps: (PlannedCall | PlannedTool)[];
}

export type PlannedStep = PlannedCall | PlannedTool | PlannedAgent;

/** One unit of work of the app: a request it serves or a workflow it runs; one trace. */
export interface Session {
  feature: string;
  customerId: string;
  userId: string;
  team: string;
  prompt: PromptTemplate;
  conversationId?: string;
  /** Runs as `workflow(name)`, with agents beneath; otherwise the calls are separate traces. */
  workflow?: string;
  steps: PlannedStep[];
}

export interface Phase {
  /** `service.version` of the app build that runs this phase. */
  serviceVersion: string;
  description: string;
  sessions: Session[];
}

export interface Plan {
  serviceName: string;
  environment: string;
  phases: Phase[];
}

export interface PlanOptions {
  /** Rounds of traffic per phase; each round is a few requests of every feature. */
  rounds?: number;
}

export const DEFAULT_ROUNDS = 6;

/** The provider-side token count of a text, as the local provider server estimates it. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Tokens of a prompt: every text piece plus 3 per message of chat framing. */
function promptTokens(pieces: readonly string[], messages: number): number {
  return pieces.reduce((sum, piece) => sum + countTokens(piece), 0) + 3 * messages;
}

/** Small deterministic PRNG (mulberry32) so every run makes the same calls. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CUSTOMERS = ['acme-corp', 'globex', 'initech', 'umbrella-health', 'stark-industries'] as const;

const READ_FILE: ToolDefinition = { name: 'read_file', description: 'Read one file of the change set' };
const FETCH_DIFF: ToolDefinition = { name: 'fetch_diff', description: 'Fetch the diff of a pull request' };

/** Models used by the demo, per provider (all in the shipped price catalog). */
export const MODELS = {
  supportOpenAI: 'gpt-5.4-mini',
  supportAnthropic: 'claude-haiku-5-5',
  ticketBedrock: 'us.anthropic.claude-sonnet-5-5-v1:0',
  search: 'gemini-3.5-flash-lite',
  planner: 'claude-sonnet-5-5',
  reviewer: 'gpt-5.4',
  summarizer: 'gemini-3.5-flash',
} as const;

function usage(input: number, output: number, extra: Partial<PlannedUsage> = {}): PlannedUsage {
  return { input, output, cacheRead: 0, cacheWrite: 0, reasoning: 0, ...extra };
}

const NO_USAGE: PlannedUsage = usage(0, 0);

/** OpenAI caches prompt prefixes of 1024 tokens and more, in 128-token increments. */
function openAICachedTokens(prefixTokens: number): number {
  return prefixTokens >= 1024 ? Math.floor(prefixTokens / 128) * 128 : 0;
}

export function buildPlan(options: PlanOptions = {}): Plan {
  const rounds = options.rounds ?? DEFAULT_ROUNDS;
  const next = random(20261123);
  const between = (low: number, high: number): number => low + Math.floor(next() * (high - low + 1));
  const pick = <T>(items: readonly T[], index: number): T => items[index % items.length]!;

  let conversation = 0;
  let plannerCacheWarm = false;

  function supportSession(round: number, slot: number, rateLimited: boolean): Session {
    const prompt = PROMPTS.supportChat;
    const question = pick(SUPPORT_QUESTIONS, round * 2 + slot);
    const input = promptTokens([prompt.system, question], 2);
    const cachedPrefix = promptTokens([prompt.system], 1);
    const output = between(120, 380);
    const steps: PlannedCall[] = [];
    const anthropicAnswer: PlannedCall = {
      kind: 'call',
      provider: 'anthropic',
      model: MODELS.supportAnthropic,
      stream: true,
      system: prompt.system,
      user: question,
      usage: usage(input, output, { cacheRead: cachedPrefix }),
    };
    if (rateLimited) {
      // gpt-5.4-mini is rate limited: the app retries the question on Anthropic.
      steps.push({ kind: 'call', provider: 'openai', model: MODELS.supportOpenAI, stream: true, system: prompt.system, user: question, usage: NO_USAGE, rateLimited: true });
      steps.push(anthropicAnswer);
    } else if (slot === 0) {
      steps.push({
        kind: 'call',
        provider: 'openai',
        model: MODELS.supportOpenAI,
        stream: true,
        system: prompt.system,
        user: question,
        usage: usage(input, output, { cacheRead: openAICachedTokens(cachedPrefix) }),
      });
    } else {
      steps.push(anthropicAnswer);
    }
    conversation++;
    return {
      feature: 'support-chat',
      customerId: pick(CUSTOMERS, round + slot),
      userId: `u-${1001 + ((round * 3 + slot) % 12)}`,
      team: 'support',
      prompt,
      conversationId: `conv-${String(conversation).padStart(4, '0')}`,
      steps,
    };
  }

  function ticketSession(round: number, slot: number, prompt: PromptTemplate): Session {
    const ticket = pick(TICKETS, round * 2 + slot);
    return {
      feature: 'ticket-summarizer',
      customerId: pick(CUSTOMERS, round + 2 + slot),
      userId: `u-${2001 + ((round + slot) % 4)}`,
      team: 'support',
      prompt,
      steps: [
        {
          kind: 'call',
          provider: 'aws.bedrock',
          model: MODELS.ticketBedrock,
          stream: slot === 1,
          system: prompt.system,
          user: ticket,
          usage: usage(promptTokens([prompt.system, ticket], 2), between(60, 110)),
        },
      ],
    };
  }

  function searchSession(round: number, slot: number): Session {
    const prompt = PROMPTS.searchRerank;
    const query = pick(SEARCH_QUERIES, round + slot);
    const candidates = Array.from({ length: 12 }, (_, i) => `[kb-${100 + i}] ${query} article ${i}: how to configure, limits, troubleshooting.`).join('\n');
    const user = `Query: ${query}\nCandidates:\n${candidates}`;
    return {
      feature: 'search-rerank',
      customerId: pick(CUSTOMERS, round * 2 + slot),
      userId: `u-${3001 + ((round + slot) % 6)}`,
      team: 'search',
      prompt,
      steps: [{ kind: 'call', provider: 'gcp.gemini', model: MODELS.search, stream: false, system: prompt.system, user, usage: usage(promptTokens([prompt.system, user], 2), between(20, 40)) }],
    };
  }

  function codeReviewSession(round: number): Session {
    const repository = pick(REPOSITORIES, round);
    const pr = 4100 + round * 7;
    const planner = PROMPTS.reviewPlanner;
    const reviewer = PROMPTS.reviewer;
    const summary = PROMPTS.reviewSummary;
    const planRequest = `Plan the review of ${repository} pull request #${pr}.`;
    const guidelineTokens = promptTokens([planner.system], 1);
    // The planner's long guidelines are cached: the first run writes the cache, later runs read it.
    const plannerUsage = usage(promptTokens([planner.system, planRequest], 2), between(150, 250), plannerCacheWarm ? { cacheRead: guidelineTokens } : { cacheWrite: guidelineTokens });
    plannerCacheWarm = true;
    const diffTokens = between(3000, 9000);
    const diff = `Diff of ${repository}#${pr} (${diffTokens} tokens).`;
    const reviewRequest = `${diff}\nReview the change.`;
    const fileText = `Contents of src/${repository}/handler.ts`;
    const firstInput = promptTokens([reviewer.system, reviewRequest], 2) + diffTokens;
    const resultTokens = between(1500, 4000);
    const comments = between(400, 900);
    const thinking = between(200, 600);
    return {
      feature: 'code-review-agent',
      customerId: pick(CUSTOMERS, round),
      userId: `u-${4001 + (round % 3)}`,
      team: 'platform',
      prompt: planner,
      workflow: 'code-review',
      steps: [
        {
          kind: 'agent',
          name: 'planner',
          steps: [
            { kind: 'call', provider: 'anthropic', model: MODELS.planner, stream: false, system: planner.system, user: planRequest, tools: [FETCH_DIFF], toolCall: true, usage: plannerUsage },
            { kind: 'tool', name: FETCH_DIFF.name, durationMs: 15 },
          ],
        },
        {
          kind: 'agent',
          name: 'reviewer',
          prompt: reviewer,
          steps: [
            { kind: 'call', provider: 'openai', model: MODELS.reviewer, stream: false, system: reviewer.system, user: reviewRequest, tools: [READ_FILE], toolCall: true, usage: usage(firstInput, between(30, 60)) },
            { kind: 'tool', name: READ_FILE.name, durationMs: 10 },
            {
              kind: 'call',
              provider: 'openai',
              model: MODELS.reviewer,
              stream: true,
              system: reviewer.system,
              user: reviewRequest,
              tools: [READ_FILE],
              toolCall: false,
              toolResult: fileText,
              usage: usage(firstInput + 60 + resultTokens, comments, { cacheRead: openAICachedTokens(firstInput) }),
            },
          ],
        },
        {
          kind: 'agent',
          name: 'summarizer',
          prompt: summary,
          steps: [
            {
              kind: 'call',
              provider: 'gcp.gemini',
              model: MODELS.summarizer,
              stream: true,
              system: summary.system,
              user: `Review comments for ${repository}#${pr}.`,
              usage: usage(promptTokens([summary.system], 1) + comments + 20, thinking + between(120, 200), { reasoning: thinking }),
            },
          ],
        },
      ],
    };
  }

  function phase(serviceVersion: string, description: string, ticketPrompt: PromptTemplate, withRateLimit: boolean): Phase {
    const sessions: Session[] = [];
    for (let round = 0; round < rounds; round++) {
      sessions.push(supportSession(round, 0, withRateLimit && round === 1));
      sessions.push(supportSession(round, 1, false));
      sessions.push(ticketSession(round, 0, ticketPrompt));
      sessions.push(ticketSession(round, 1, ticketPrompt));
      sessions.push(searchSession(round, 0));
      sessions.push(searchSession(round, 1));
      if (round % 2 === 0) sessions.push(codeReviewSession(round));
    }
    // Larger models take longer to answer.
    for (const session of sessions) {
      for (const call of callsOf(session)) call.latencyMs = call.model === MODELS.reviewer || call.model === MODELS.planner ? between(150, 400) : between(30, 150);
    }
    return { serviceVersion, description, sessions };
  }

  return {
    serviceName: 'helpdesk-api',
    environment: 'production',
    phases: [
      phase('1.4.0', 'ticket-summary prompt v3', PROMPTS.ticketSummaryV3, true),
      phase('1.5.0', 'ticket-summary prompt v4 adds few-shot examples', PROMPTS.ticketSummaryV4, false),
    ],
  };
}

/** The calls of a session, in order, agents flattened. */
export function callsOf(session: Session): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const visit = (steps: readonly PlannedStep[]): void => {
    for (const step of steps) {
      if (step.kind === 'call') calls.push(step);
      else if (step.kind === 'agent') visit(step.steps);
    }
  };
  visit(session.steps);
  return calls;
}

/** Every session of the plan with the phase it runs in. */
export function sessionsOf(plan: Plan): { phase: Phase; session: Session }[] {
  return plan.phases.flatMap((phase) => phase.sessions.map((session) => ({ phase, session })));
}
