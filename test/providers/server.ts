/**
 * A local server that speaks the HTTP APIs of the LLM providers, for tests and demos.
 *
 *   const server = await startProviderServer();
 *   new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test' });
 *   new Anthropic({ baseURL: server.url, apiKey: 'test' });
 *   ...; server.requests  // every request received, parsed
 *   await server.close();
 *
 * It listens on 127.0.0.1 with an ephemeral port. Responses are deterministic functions of the
 * request, with realistic usage blocks in each provider's wire form: input tokens are
 * `ceil(chars / 4)` of each text piece of the prompt plus 3 per message, output tokens one per reply
 * piece (8 words unless steered). Tests and demos steer a response with the JSON `x-mock-scenario`
 * header (see `Scenario` in shared.ts): exact usage incl. cache and reasoning, the number of stream
 * chunks, the response model, delays, HTTP errors (429 with `retry-after`, 500; optionally only the
 * first N times) and a disconnect mid-stream. `x-mock-fault: rate_limit | server_error | disconnect`
 * is a shorthand every provider here understands.
 *
 * Providers: OpenAI and Azure OpenAI (openai.ts), Anthropic (anthropic.ts), Gemini and Vertex AI
 * (gemini.ts), Bedrock runtime (bedrock.ts). Each is one entry of PROVIDERS.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAnthropic } from './anthropic.ts';
import { bedrockProvider } from './bedrock.ts';
import { handleGemini } from './gemini.ts';
import { handleOpenAI } from './openai.ts';
import { parseScenario, readBody, ScenarioError, sendJson } from './shared.ts';
import type { ProviderHandler, ProviderHandlerFactory, RecordedRequest } from './shared.ts';

export type { ProviderHandler, ProviderHandlerFactory, RecordedRequest, Scenario } from './shared.ts';

/** The providers the server speaks, tried in order until one takes the request. */
const PROVIDERS: ProviderHandlerFactory[] = [
  () => handleOpenAI,
  () => handleAnthropic,
  () => handleGemini,
  bedrockProvider,
];

export interface ProviderServer {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface ProviderServerOptions {
  /** Extra handlers tried before the built-in providers. */
  handlers?: ProviderHandler[];
}

export async function startProviderServer(options: ProviderServerOptions = {}): Promise<ProviderServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer();
  const handlers = [...(options.handlers ?? []), ...PROVIDERS.map((factory) => factory(server))];
  server.on('request', (req, res) => {
    void (async () => {
      try {
        const rawBody = await readBody(req);
        const text = rawBody.toString('utf8');
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        let scenario = {};
        try {
          scenario = parseScenario(req.headers['x-mock-scenario']);
        } catch (error) {
          if (error instanceof ScenarioError) return sendJson(res, 400, { error: { message: error.message } });
          throw error;
        }
        requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers }, rawBody, body, scenario });
        for (const handle of handlers) {
          if (await handle(req, res, url, text)) return;
        }
        sendJson(res, 404, { error: { message: `no mock provider serves ${req.method} ${url.pathname}` } });
      } catch (error) {
        if (!res.headersSent) sendJson(res, 500, { error: { message: `mock provider failed: ${String(error)}` } });
        else res.destroy();
      }
    })();
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
