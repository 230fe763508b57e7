/**
 * Decode-only throughput of the OTLP trace decoders (and of the receiver's validating scan) on a
 * realistic request: 500 GenAI spans with ~30 attributes each, encoded by
 * @opentelemetry/otlp-transformer.
 *
 * Baseline, measured in the same run: `JSON.parse` of the same request in OTLP/JSON — the least
 * any JSON-based decoder has to do, and what a receiver without a protobuf decoder would pay.
 * Prints spans/s for each (best of interleaved rounds) and the ratio to the baseline; the last
 * line is a JSON summary.
 */
import { decodeTraceRequestJson } from '../collector/src/otlp/json-decode.ts';
import { decodeTraceRequestProtobuf } from '../collector/src/otlp/protobuf-decode.ts';
import { scanTraceRequestProtobuf } from '../collector/src/otlp/protobuf-scan.ts';
import { genAiTraceRequest, genAiTraceRequestJson } from '../collector/test/fixtures/otlp-fixtures.ts';

const SPANS_PER_REQUEST = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);

const protobufBody = genAiTraceRequest(SPANS_PER_REQUEST);
const jsonBody = genAiTraceRequestJson(SPANS_PER_REQUEST);
const jsonText = new TextDecoder().decode(jsonBody);

let sink = 0;
const contenders: { name: string; run: () => void; best: number }[] = [
  { name: 'baseline JSON.parse (OTLP/JSON)', run: () => void (sink += (JSON.parse(jsonText) as { resourceSpans: unknown[] }).resourceSpans.length), best: 0 },
  { name: 'protobuf decode → Span[]', run: () => void (sink += decodeTraceRequestProtobuf(protobufBody).spans.length), best: 0 },
  { name: 'OTLP/JSON decode → Span[]', run: () => void (sink += decodeTraceRequestJson(jsonBody).spans.length), best: 0 },
  // What the receiver does before acknowledging a protobuf request (validation, no spans built).
  { name: 'protobuf validating scan', run: () => void (sink += scanTraceRequestProtobuf(protobufBody).spanCount), best: 0 },
];

/** Spans per second of `run` over about ROUND_MS. */
function measure(run: () => void): number {
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    run();
    iterations++;
    elapsed = performance.now() - start;
  }
  return (iterations * SPANS_PER_REQUEST * 1000) / elapsed;
}

// Contenders take turns, round after round, and each keeps its best round: on a shared machine
// interference only ever slows a round down, so the best rounds are the comparable ones.
for (const contender of contenders) measure(contender.run); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const contender of contenders) contender.best = Math.max(contender.best, measure(contender.run));
}
const [baselineResult, protobufResult, jsonResult, scanResult] = contenders;
const baseline = baselineResult!.best;
const protobuf = protobufResult!.best;
const json = jsonResult!.best;
const scan = scanResult!.best;

const format = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(`otlp-decode: ${SPANS_PER_REQUEST} GenAI spans/request, protobuf ${protobufBody.length} B, JSON ${jsonBody.length} B`);
for (const contender of contenders) {
  console.log(`  ${contender.name.padEnd(32)} ${format(contender.best)} spans/s   ${(contender.best / baseline).toFixed(2)}x`);
}
console.log(
  JSON.stringify({
    bench: 'otlp-decode',
    spansPerRequest: SPANS_PER_REQUEST,
    baselineJsonParseSpansPerSec: Math.round(baseline),
    protobufDecodeSpansPerSec: Math.round(protobuf),
    jsonDecodeSpansPerSec: Math.round(json),
    protobufScanSpansPerSec: Math.round(scan),
    protobufVsBaseline: Number((protobuf / baseline).toFixed(2)),
    checksum: sink > 0,
  }),
);
