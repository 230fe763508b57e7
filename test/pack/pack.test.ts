/**
 * The packages as a user gets them: built to JavaScript, packed by `pnpm pack` (which applies
 * `publishConfig`), unpacked into an app's node_modules outside this workspace, and loaded by a
 * plain Node.js app, ESM and CommonJS, with no TypeScript anywhere in the load path.
 *
 * The apps' third-party dependencies (OpenTelemetry, yaml, openai) are linked from the workspace's
 * installed packages, so the test needs no network.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '@spendtrace/pricing';

const ROOT = join(import.meta.dirname, '..', '..');
const PACKED = ['semconv', 'pricing', 'instrumentation'] as const;
type Packed = (typeof PACKED)[number];

/** pnpm as the running `pnpm test` / `pnpm exec` invoked it, else the pinned version through npx. */
function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  const [command, prefix] =
    execPath !== undefined && /pnpm/.test(execPath) ? [process.execPath, [execPath]] : ['npx', ['-y', 'pnpm@10.34.8']];
  return execFileSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs Node (this one: the workspace's Node 24) in the app directory, with no OTLP exporter reaching out. */
function runNode(args: string[], cwd: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return execFileSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

let work: string;
let app: string;
const tarballFiles = {} as Record<Packed, string[]>;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'spendtrace-pack-'));
  app = join(work, 'app');
  pnpm(['--filter', '@spendtrace/semconv', '--filter', '@spendtrace/pricing', '--filter', '@spendtrace/instrumentation', 'run', 'build'], ROOT);
  for (const name of PACKED) {
    const packageDir = join(ROOT, 'packages', name);
    pnpm(['pack', '--pack-destination', work], packageDir);
    const tarball = join(work, `spendtrace-${name}-0.1.0.tgz`);
    tarballFiles[name] = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    const target = join(app, 'node_modules', '@spendtrace', name);
    mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  }
  const modules = join(app, 'node_modules');
  symlinkSync(join(ROOT, 'packages/instrumentation/node_modules/@opentelemetry'), join(modules, '@opentelemetry'), 'dir');
  symlinkSync(join(ROOT, 'packages/instrumentation/node_modules/openai'), join(modules, 'openai'), 'dir');
  symlinkSync(join(ROOT, 'packages/pricing/node_modules/yaml'), join(modules, 'yaml'), 'dir');
  symlinkSync(join(ROOT, 'node_modules/@types'), join(modules, '@types'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-app', private: true }));
}, 180_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

// 1,000,000 input tokens of which 200,000 cache reads, 100,000 output, on gpt-5.4-mini
// (USD 0.75 input, 0.075 cache read, 4.5 output per million): 0.6 + 0.015 + 0.45.
const COST_QUERY = `{ provider: 'openai', model: 'gpt-5.4-mini', at: '2026-06-01' },
  { inputTokens: 1_000_000, cacheReadTokens: 200_000, outputTokens: 100_000 }`;
const EXPECTED_TOTAL = 1.065;

describe('published packages', () => {
  it('pack dist JavaScript, declarations and the catalog, and no TypeScript source', () => {
    expect(tarballFiles.semconv).toEqual([
      'package/dist/attribution.d.ts',
      'package/dist/attribution.js',
      'package/dist/dialects.d.ts',
      'package/dist/dialects.js',
      'package/dist/genai.d.ts',
      'package/dist/genai.js',
      'package/dist/index.d.ts',
      'package/dist/index.js',
      'package/dist/providers.d.ts',
      'package/dist/providers.js',
      'package/dist/spendtrace.d.ts',
      'package/dist/spendtrace.js',
      'package/package.json',
    ]);
    expect(tarballFiles.pricing).toEqual(
      expect.arrayContaining([
        'package/README.md',
        'package/catalog/anthropic.yaml',
        'package/catalog/openai.yaml',
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/catalog.js',
        'package/package.json',
      ]),
    );
    expect(tarballFiles.instrumentation).toEqual(
      expect.arrayContaining([
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/register.js',
        'package/dist/hook.js',
        'package/dist/openai/instrumentation.js',
      ]),
    );
    for (const name of PACKED) {
      const files = tarballFiles[name];
      // Only compiled output, data, README and manifest: no src/, test/, tsconfig or stray .ts.
      expect(files.filter((f) => !/^package\/(dist\/.+\.(js|d\.ts)|catalog\/[\w.]+\.yaml|README\.md|package\.json)$/.test(f))).toEqual([]);
      // Every compiled module has its declarations.
      const js = files.filter((f) => f.endsWith('.js'));
      expect(files.filter((f) => f.endsWith('.d.ts'))).toEqual(js.map((f) => f.replace(/\.js$/, '.d.ts')));
    }
    // The whole catalog ships.
    const shipped = readdirSync(join(ROOT, 'packages/pricing/catalog')).sort();
    expect(tarballFiles.pricing.filter((f) => f.startsWith('package/catalog/'))).toEqual(shipped.map((f) => `package/catalog/${f}`));
  });

  it('publish manifests point at dist, with versions instead of workspace links', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/@spendtrace/instrumentation/package.json'), 'utf8'));
    expect(manifest.main).toBe('./dist/index.js');
    expect(manifest.types).toBe('./dist/index.d.ts');
    expect(manifest.exports).toEqual({
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './register': { types: './dist/register.d.ts', default: './dist/register.js' },
      './hook': { types: './dist/hook.d.ts', default: './dist/hook.js' },
    });
    expect(manifest.publishConfig).toBeUndefined();
    expect(manifest.engines).toEqual({ node: '>=22.15' });
    expect(manifest.dependencies['@spendtrace/pricing']).toBe('0.1.0');
    expect(manifest.dependencies['@spendtrace/semconv']).toBe('0.1.0');
    const pricing = JSON.parse(readFileSync(join(app, 'node_modules/@spendtrace/pricing/package.json'), 'utf8'));
    expect(pricing.exports).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './catalog/*': './catalog/*' });
    expect(pricing.dependencies['@spendtrace/semconv']).toBe('0.1.0');
  });

  it('an ESM app imports them, prices a call and traces a workflow under a NodeSDK', () => {
    writeFileSync(
      join(app, 'app.mjs'),
      `import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { spendtraceInstrumentations, withAttribution, workflow } from '@spendtrace/instrumentation';
import { defaultCatalog, SHIPPED_CATALOG_DIR } from '@spendtrace/pricing';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const sdk = new NodeSDK({ spanProcessors: [processor], instrumentations: spendtraceInstrumentations() });
sdk.start();
const cost = defaultCatalog().cost(${COST_QUERY});
await withAttribution({ feature: 'pack-check' }, () => workflow('release', async () => {}));
await processor.forceFlush();
const spans = exporter.getFinishedSpans().map((span) => ({ name: span.name, attributes: span.attributes }));
await sdk.shutdown();
console.log(JSON.stringify({ total: cost.breakdown.total, model: cost.pricingModel, catalogDir: SHIPPED_CATALOG_DIR, spans }));
`,
    );
    const out = JSON.parse(runNode(['app.mjs'], app));
    expect(out).toEqual({
      total: EXPECTED_TOTAL,
      model: 'openai/gpt-5.4-mini',
      catalogDir: join(app, 'node_modules/@spendtrace/pricing/catalog/'),
      spans: [
        {
          name: 'invoke_workflow release',
          attributes: { 'gen_ai.operation.name': 'invoke_workflow', 'gen_ai.workflow.name': 'release', 'spendtrace.feature': 'pack-check' },
        },
      ],
    });
  });

  it('a CommonJS app requires them, and an openai call is traced with its cost', () => {
    writeFileSync(
      join(app, 'app.cjs'),
      `const { createServer } = require('node:http');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const { spendtraceInstrumentations, withAttribution } = require('@spendtrace/instrumentation');
const { defaultCatalog } = require('@spendtrace/pricing');

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const sdk = new NodeSDK({ spanProcessors: [processor], instrumentations: spendtraceInstrumentations() });
sdk.start();
// Required after the SDK has started, so the instrumentation patches it.
const { OpenAI } = require('openai');

const completion = {
  id: 'chatcmpl-1', object: 'chat.completion', created: 1780000000, model: 'gpt-5.4-mini-2026-03-17',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 200 } },
};
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(completion));
  });
});

async function main() {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new OpenAI({ apiKey: 'test', baseURL: 'http://127.0.0.1:' + server.address().port + '/v1' });
  await withAttribution({ feature: 'pack-check' }, () =>
    client.chat.completions.create({ model: 'gpt-5.4-mini', messages: [{ role: 'user', content: 'hi' }] }));
  await processor.forceFlush();
  const spans = exporter.getFinishedSpans().map((span) => ({ name: span.name, attributes: span.attributes }));
  const cost = defaultCatalog().cost(${COST_QUERY});
  console.log(JSON.stringify({ total: cost.breakdown.total, spans }));
  server.close();
  await sdk.shutdown();
}
main();
`,
    );
    const out = JSON.parse(runNode(['app.cjs'], app));
    expect(out.total).toBe(EXPECTED_TOTAL);
    expect(out.spans).toHaveLength(1);
    const [span] = out.spans;
    expect(span.name).toBe('chat gpt-5.4-mini');
    // Priced at today's catalog entry, exactly as the workspace source prices it.
    const catalog = defaultCatalog();
    const expected = catalog.cost({ provider: 'openai', model: 'gpt-5.4-mini-2026-03-17' }, { inputTokens: 1000, cacheReadTokens: 200, outputTokens: 100 });
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.model': 'gpt-5.4-mini-2026-03-17',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 100,
      'gen_ai.usage.cache_read.input_tokens': 200,
      'gen_ai.usage.cost.amount': expected.breakdown?.total,
      'gen_ai.usage.cost.currency': 'USD',
      'gen_ai.usage.cost.source': 'local',
      'spendtrace.feature': 'pack-check',
      'spendtrace.pricing.model': 'openai/gpt-5.4-mini',
      'spendtrace.pricing.version': catalog.version,
    });
  });

  it('a TypeScript app type-checks against the published declarations', () => {
    writeFileSync(
      join(app, 'check.mts'),
      `import { spendtraceInstrumentations, withAttribution } from '@spendtrace/instrumentation';
import { defaultCatalog, type CostResult } from '@spendtrace/pricing';
const result: CostResult = defaultCatalog().cost({ provider: 'openai', model: 'gpt-5.4-mini' }, { inputTokens: 1, outputTokens: 1 });
const total: number = result.breakdown?.total ?? 0;
void withAttribution({ feature: 'x' }, () => total);
spendtraceInstrumentations({ captureMessageContent: false });
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', strict: true, noEmit: true, types: ['node'] }, files: ['check.mts'] }),
    );
    // skipLibCheck is off: the declarations themselves are checked too.
    expect(runNode([join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], app)).toBe('');
  }, 60_000);
});

