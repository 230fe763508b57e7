/**
 * The demo application: one build (service.version) of an app that uses four LLM providers,
 * instrumented the way a user would do it — an OpenTelemetry NodeSDK exporting OTLP to the
 * spendtrace collector, plus `spendtraceInstrumentations()` — and running one phase of the plan.
 *
 *   node test/demo/app.ts --phase 0 --rounds 6 --provider-url http://127.0.0.1:P --otlp-url http://127.0.0.1:Q
 *
 * Run as a child process by main.ts, once per deploy: a new build is a new process with a new
 * resource. Reports the calls it made to the parent over IPC (or prints them without a parent).
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { agent, spendtraceInstrumentations, tool, withAttribution, workflow } from '@spendtrace/instrumentation';
import { createClients } from './clients.ts';
import type { AgentState, DemoClients } from './clients.ts';
import { buildPlan, callsOf } from './workload.ts';
import type { PlannedStep, Session } from './workload.ts';

export interface AppResult {
  serviceVersion: string;
  sessions: number;
  calls: number;
  failedCalls: number;
  elapsedMs: number;
}

const { values } = parseArgs({
  options: {
    phase: { type: 'string', default: '0' },
    rounds: { type: 'string' },
    'provider-url': { type: 'string' },
    'otlp-url': { type: 'string' },
    concurrency: { type: 'string', default: '4' },
  },
});
const providerUrl = values['provider-url'];
const otlpUrl = values['otlp-url'];
if (!providerUrl || !otlpUrl) {
  process.stderr.write('usage: app.ts --phase N [--rounds N] --provider-url URL --otlp-url URL\n');
  process.exit(2);
}

const plan = buildPlan(values.rounds ? { rounds: Number(values.rounds) } : {});
const phase = plan.phases[Number(values.phase)];
if (!phase) throw new Error(`the plan has no phase ${values.phase}`);

const sdk = new NodeSDK({
  resource: resourceFromAttributes({
    'service.name': plan.serviceName,
    'service.version': phase.serviceVersion,
    'deployment.environment.name': plan.environment,
  }),
  autoDetectResources: false,
  traceExporter: new OTLPTraceExporter({ url: `${otlpUrl.replace(/\/$/, '')}/v1/traces` }),
  instrumentations: [spendtraceInstrumentations()],
});
sdk.start();

// Loaded after sdk.start() so the instrumentations patch them.
const clients = createClients(providerUrl);

async function runSteps(steps: readonly PlannedStep[], clients: DemoClients, state: AgentState, tally: { calls: number; failed: number }): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'tool') {
      await tool(step.name, () => sleep(step.durationMs));
    } else if (step.kind === 'agent') {
      const run = () => agent(step.name, () => runSteps(step.steps, clients, {}, tally));
      await (step.prompt ? withAttribution({ promptName: step.prompt.name, promptVersion: step.prompt.version }, run) : run());
    } else {
      tally.calls++;
      try {
        await clients.send(step, state);
      } catch (error) {
        if (!step.rateLimited) throw error;
        tally.failed++;
      }
    }
  }
}

async function runSession(session: Session, tally: { calls: number; failed: number }): Promise<void> {
  const attribution = {
    feature: session.feature,
    customerId: session.customerId,
    userId: session.userId,
    team: session.team,
    promptName: session.prompt.name,
    promptVersion: session.prompt.version,
    ...(session.conversationId ? { conversationId: session.conversationId } : {}),
  };
  await withAttribution(attribution, () =>
    session.workflow ? workflow(session.workflow, () => runSteps(session.steps, clients, {}, tally)) : runSteps(session.steps, clients, {}, tally),
  );
}

const started = performance.now();
const tally = { calls: 0, failed: 0 };
const queue = [...phase.sessions];
const workers = Array.from({ length: Math.max(1, Number(values.concurrency)) }, async () => {
  for (let session = queue.shift(); session; session = queue.shift()) await runSession(session, tally);
});
let failure: unknown;
try {
  await Promise.all(workers);
} catch (error) {
  failure = error;
}
// Flush every span to the collector before the process ends.
await sdk.shutdown();

const planned = phase.sessions.reduce((sum, session) => sum + callsOf(session).length, 0);
if (failure) {
  process.stderr.write(`app ${phase.serviceVersion}: an LLM call failed: ${failure instanceof Error ? failure.stack ?? failure.message : String(failure)}\n`);
  process.exit(1);
}
if (tally.calls !== planned) {
  process.stderr.write(`app ${phase.serviceVersion}: made ${tally.calls} calls, the plan has ${planned}\n`);
  process.exit(1);
}
const result: AppResult = {
  serviceVersion: phase.serviceVersion,
  sessions: phase.sessions.length,
  calls: tally.calls,
  failedCalls: tally.failed,
  elapsedMs: Math.round(performance.now() - started),
};
if (process.send) process.send(result);
else process.stdout.write(`${JSON.stringify(result)}\n`);
