/**
 * `pnpm demo`: spendtrace end to end on one machine, no server needed.
 *
 * Starts the spendtrace collector on embedded ClickHouse and a local server that speaks the OpenAI,
 * Anthropic, Gemini and Bedrock APIs; runs a demo app (test/demo/app.ts) instrumented with
 * @spendtrace/instrumentation and the real provider SDKs, in two builds with a deploy in between;
 * stops the collector (which drains everything into ClickHouse), checks that every call landed, and
 * prints the cost reports and the tree of the most expensive agent workflow.
 *
 *   node test/demo/main.ts [--data-dir DIR] [--rounds N]
 *
 * Exits non-zero with the reason when a step fails.
 */
import { spawn } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startProviderServer } from '../providers/server.ts';
import type { ProviderServer } from '../providers/server.ts';
import type { AppResult } from './app.ts';
import { CollectorError, startCollector } from './collector-process.ts';
import type { CollectorProcess } from './collector-process.ts';
import { Progress, section, StepFailure, table, usd } from './progress.ts';
import { CliError, queryRows, REPO_ROOT, spendtrace } from './spendtrace-cli.ts';
import { buildPlan, callsOf, sessionsOf } from './workload.ts';

const APP = fileURLToPath(new URL('./app.ts', import.meta.url));

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    rounds: { type: 'string' },
  },
});
const dataDir = resolve(REPO_ROOT, values['data-dir'] ?? '.spendtrace/demo');
const rounds = values.rounds ? Number(values.rounds) : undefined;
const plan = buildPlan(rounds !== undefined ? { rounds } : {});

const progress = new Progress(8);
let collector: CollectorProcess | undefined;
let providers: ProviderServer | undefined;

/** Runs one build of the demo app as a child process and returns what it did. */
function runApp(phase: number, providerUrl: string, otlpUrl: string): Promise<AppResult> {
  return new Promise((resolvePromise, reject) => {
    const args = [APP, '--phase', String(phase), '--provider-url', providerUrl, '--otlp-url', otlpUrl, ...(rounds !== undefined ? ['--rounds', String(rounds)] : [])];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    let result: AppResult | undefined;
    child.on('message', (message) => (result = message as AppResult));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && result) resolvePromise(result);
      else reject(new StepFailure(`the demo app exited with ${code ?? signal}${signal === 'SIGKILL' ? ' (timed out after 60 s)' : ''}:\n${output.trim().split('\n').slice(-30).join('\n') || '(no output)'}`));
    });
  });
}

function describeApp(result: AppResult): string {
  const failed = result.failedCalls ? ` (${result.failedCalls} rate-limited, handled by a fallback)` : '';
  return `app ${result.serviceVersion}: ${result.sessions} requests and workflows, ${result.calls} LLM calls${failed} in ${(result.elapsedMs / 1000).toFixed(1)} s`;
}

async function main(): Promise<void> {
  process.stdout.write('spendtrace demo: an app with four LLM features, a deploy, and where the money went\n\n');

  await progress.step(`Preparing a fresh data directory: ${dataDir}`, async () => {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
  });

  const otlpUrl = await progress.step('Starting the spendtrace collector on embedded ClickHouse', async () => {
    collector = await startCollector(dataDir, { readyTimeoutMs: 30_000 });
    progress.detail(`OTLP/HTTP receiver at ${collector.otlpUrl} (pid ${collector.pid})`);
    return collector.otlpUrl;
  });

  const providerUrl = await progress.step('Starting the local LLM provider server (OpenAI, Anthropic, Gemini, Bedrock APIs)', async () => {
    providers = await startProviderServer();
    progress.detail(`listening at ${providers.url}`);
    return providers.url;
  });

  const results: AppResult[] = [];
  const [before, after] = plan.phases;
  if (!before || !after) throw new StepFailure('the demo plan needs two phases');
  results.push(
    await progress.step(`Running ${plan.serviceName} ${before.serviceVersion} (${before.description})`, async () => {
      const result = await runApp(0, providerUrl, otlpUrl);
      progress.detail(describeApp(result));
      return result;
    }),
  );
  results.push(
    await progress.step(`Deploying ${plan.serviceName} ${after.serviceVersion} (${after.description}) and running it`, async () => {
      const result = await runApp(1, providerUrl, otlpUrl);
      progress.detail(describeApp(result));
      return result;
    }),
  );

  await progress.step('Stopping the collector: SIGTERM drains its queue and workflow buffer into ClickHouse', async () => {
    await providers?.close();
    providers = undefined;
    await collector!.stop(60_000);
    collector = undefined;
  });

  const traceId = await progress.step('Checking that every call and workflow landed', async () => {
    const expectedCalls = results.reduce((sum, r) => sum + r.calls, 0);
    const expectedWorkflows = sessionsOf(plan).filter(({ session }) => session.workflow).length;
    const [counts] = await queryRows<{ calls: string; unpriced: string; streamed: string; errors: string[]; cost: number }>(
      dataDir,
      `SELECT count() AS calls, countIf(pricing_status = 'unknown_model') AS unpriced, countIf(streaming) AS streamed,
              groupArrayIf(concat(error_type, ' (', provider, ' ', request_model, ', ', feature, ')'), error_type != '') AS errors,
              sum(cost_usd) AS cost
         FROM genai_calls`,
    );
    const calls = Number(counts?.calls ?? 0);
    if (calls !== expectedCalls) throw new StepFailure(`expected ${expectedCalls} LLM calls in genai_calls, found ${calls}: data did not land`);
    if (Number(counts?.unpriced) !== 0) throw new StepFailure(`${counts?.unpriced} calls have no price (unknown model)`);
    const workflows = await queryRows<{ trace_id: string; calls: string; cost: number }>(
      dataDir,
      "SELECT trace_id, sum(calls) AS calls, sum(cost_usd) AS cost FROM genai_workflows GROUP BY trace_id HAVING anyIf(workflow_name, workflow_name != '') != '' ORDER BY cost DESC, trace_id",
    );
    if (workflows.length !== expectedWorkflows) throw new StepFailure(`expected ${expectedWorkflows} agent workflows in genai_workflows, found ${workflows.length}`);
    progress.detail(`${calls} calls (${counts?.streamed} streamed) priced from the catalog: ${usd(counts?.cost ?? 0)} in total`);
    for (const error of counts?.errors ?? []) progress.detail(`failed call recorded: ${error}`);
    progress.detail(`${workflows.length} agent workflow runs with trace-level totals`);
    return workflows[0]!.trace_id;
  });

  // The reports print to a pipe here, so they are told the width of the terminal the demo runs in.
  const width = process.stdout.isTTY && process.stdout.columns ? ['--width', String(Math.min(1000, Math.max(40, process.stdout.columns)))] : [];
  // The embedded store serves one process at a time: the reports are read one after the other.
  const views = await progress.step('Reading the reports: spendtrace report and spendtrace trace', async () => {
    const byFeature = await spendtrace(['report', '--by', 'feature', '--data-dir', dataDir, ...width]);
    const byModel = await spendtrace(['report', '--by', 'model', '--data-dir', dataDir, ...width]);
    const byCustomer = await spendtrace(['report', '--by', 'customer', '--data-dir', dataDir, ...width]);
    const deploy = await deployImpact(before.serviceVersion, after.serviceVersion);
    const tree = await spendtrace(['trace', traceId, '--data-dir', dataDir, ...width]);
    return { byFeature, byModel, byCustomer, deploy, tree };
  });

  section('spendtrace report --by feature');
  process.stdout.write(views.byFeature);
  section('spendtrace report --by model');
  process.stdout.write(views.byModel);
  section('spendtrace report --by customer');
  process.stdout.write(views.byCustomer);
  section(`What the deploy changed: cost per call by feature, app ${before.serviceVersion} → ${after.serviceVersion}`);
  process.stdout.write(`${views.deploy}\n`);
  section(`spendtrace trace ${traceId}   (the most expensive agent workflow)`);
  process.stdout.write(views.tree);

  const inRepo = relative(REPO_ROOT, dataDir);
  const shownDataDir = inRepo.startsWith('..') || isAbsolute(inRepo) ? dataDir : inRepo;
  const plannedCalls = sessionsOf(plan).reduce((sum, { session }) => sum + callsOf(session).length, 0);
  process.stdout.write(`\nDone in ${progress.elapsedSeconds().toFixed(1)} s: ${plannedCalls} LLM calls across 4 providers, stored in ${dataDir}.\n`);
  process.stdout.write(`Look around: npx -y pnpm@10.34.8 exec spendtrace report --by user --data-dir ${shownDataDir}\n`);
}

/** Calls, input tokens and cost per call of each feature, per app version (service.version of the spans). */
async function deployImpact(beforeVersion: string, afterVersion: string): Promise<string> {
  const rows = await queryRows<{ feature: string; version: string; prompt_version: string; calls: number | string; input: number; cost_per_call: number }>(
    dataDir,
    `SELECT c.feature AS feature, t.ResourceAttributes['service.version'] AS version,
            any(c.prompt_version) AS prompt_version, count() AS calls,
            avg(c.input_tokens) AS input, sum(c.cost_usd) / count() AS cost_per_call
       FROM genai_calls AS c
       INNER JOIN otel_traces AS t ON t.TraceId = c.trace_id AND t.SpanId = c.span_id
      GROUP BY feature, version
      ORDER BY feature, version`,
  );
  const lines: string[][] = [];
  for (const feature of new Set(rows.map((r) => r.feature))) {
    const a = rows.find((r) => r.feature === feature && r.version === beforeVersion);
    const b = rows.find((r) => r.feature === feature && r.version === afterVersion);
    for (const r of [a, b]) {
      if (!r) continue;
      const change = r === b && a && a.cost_per_call > 0 ? `${b.cost_per_call >= a.cost_per_call ? '+' : ''}${(((b.cost_per_call - a.cost_per_call) / a.cost_per_call) * 100).toFixed(0)}%` : '';
      lines.push([r === a ? feature : '', r.version, r.prompt_version, String(r.calls), Math.round(r.input).toLocaleString('en-US'), usd(r.cost_per_call), change]);
    }
  }
  return table(['FEATURE', 'APP', 'PROMPT', 'CALLS', 'TOKENS IN/CALL', '$/CALL', 'CHANGE'], lines, 3);
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    const message = error instanceof Error ? (error instanceof StepFailure || error instanceof CollectorError || error instanceof CliError ? error.message : error.stack ?? error.message) : String(error);
    process.stderr.write(`\ndemo failed: ${message}\n`);
    collector?.kill();
    await providers?.close().catch(() => undefined);
    process.exit(1);
  },
);
