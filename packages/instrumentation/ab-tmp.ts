// In-process A/B: baseline client, client instrumented by sources A, client instrumented by sources B; interleaved batches.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { context, trace, metrics } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
const req = createRequire(new URL('../../test/package.json', import.meta.url));
const { ProtobufTraceSerializer } = req('@opentelemetry/otlp-transformer');
const openai = createRequire(import.meta.url)('openai-v4');
const srv = spawn(process.execPath, [new URL('./ab-tmp-server.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
const url: string = await new Promise((r) => srv.stdout.once('data', (d) => r(String(d).trim())));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
let bytes = 0;
const processor = { onStart() {}, onEnding() {}, onEnd(span: unknown) { bytes += ProtobufTraceSerializer.serializeRequest([span]).length; }, forceFlush: async () => {}, shutdown: async () => {} };
const tp = new TracerProvider({ spanProcessors: [processor as never] });
class Held extends MetricReader { protected async onForceFlush() {} protected async onShutdown() {} }
const mp = new MeterProvider({ readers: [new Held()] });
const variants: [string, any][] = [['baseline', undefined]];
for (const [name, src] of [['A', process.env.A_SRC], ['B', process.env.B_SRC]] as const) {
  const { OpenAIInstrumentation } = await import(`${src}/openai/index.ts`);
  const inst = new OpenAIInstrumentation({ enabled: false }); inst.setTracerProvider(tp); inst.setMeterProvider(mp);
  variants.push([name, inst]);
}
const clients = variants.map(([name, inst]) => { const c = new openai.OpenAI({ baseURL: `${url}/v1`, apiKey: 'b', maxRetries: 0 }); if (inst) inst.instrument(c); return [name, c] as const; });
await new Promise((r) => setTimeout(r, 200));
const messages = [{ role: 'user', content: 'Summarise the quarterly report in three bullet points.' }];
const mode = process.env.MODE ?? 'plain';
const call = async (c: any) => {
  if (mode === 'plain') return c.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-mock-scenario': '{"usage":{"input":1200,"cacheRead":1000,"output":40}}' } });
  const s = await c.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true }, { headers: { 'x-mock-scenario': '{"chunks":50}' } });
  for await (const x of s) void x;
};
const BATCH = Number(process.env.BATCH ?? 50), ROUNDS = Number(process.env.ROUNDS ?? 40);
for (const [, c] of clients) for (let i = 0; i < 100; i++) await call(c);
const res: Record<string, number[]> = {}; const byt: Record<string, number> = {};
for (let r = 0; r < ROUNDS; r++) for (const [name, c] of (r % 2 ? [...clients].reverse() : clients)) {
  const b0 = bytes; const t = process.cpuUsage();
  for (let i = 0; i < BATCH; i++) await call(c);
  const u = process.cpuUsage(t); (res[name] ??= []).push((u.user + u.system) / BATCH); byt[name] = (bytes - b0) / BATCH;
}
const med = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]!; };
const base = res.baseline!;
for (const name of Object.keys(res)) { const d = res[name]!.map((v, i) => v - base[i]!); console.log(mode, name.padEnd(9), 'cpu', med(res[name]!).toFixed(1), 'overhead med', med(d).toFixed(1), 'bytes/span', byt[name]!.toFixed(0)); }
const dAB = res.B!.map((v, i) => v - res.A![i]!); console.log('B - A per round median', med(dAB).toFixed(1), 'µs; sorted quartiles', [0.25, 0.5, 0.75].map((q) => [...dAB].sort((x, y) => x - y)[Math.floor(q * dAB.length)]!.toFixed(1)).join(' '));
srv.stdin.end(); process.exit(0);
