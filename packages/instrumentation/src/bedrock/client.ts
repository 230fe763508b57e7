/**
 * What a `BedrockRuntimeClient` tells about where a call goes: its region and endpoint, read from
 * the configuration the client was built with (`initConfig`) or, failing that, its resolved config.
 */

/** The configuration fields read; every one may be missing or of another type. */
interface ClientLike {
  initConfig?: { region?: unknown; endpoint?: unknown };
  config?: { region?: unknown; endpoint?: unknown; isCustomEndpoint?: unknown };
}

export interface BedrockTarget {
  region?: string;
  serverAddress?: string;
  serverPort?: number;
}

function endpointAttributes(endpoint: unknown): { serverAddress?: string; serverPort?: number } {
  let url: URL | undefined;
  try {
    if (typeof endpoint === 'string') url = new URL(endpoint);
    else if (endpoint instanceof URL) url = endpoint;
    else if (typeof endpoint === 'object' && endpoint !== null) {
      const e = endpoint as { url?: unknown; hostname?: unknown; port?: unknown; protocol?: unknown };
      if (e.url instanceof URL) url = e.url;
      else if (typeof e.hostname === 'string') {
        const protocol = typeof e.protocol === 'string' ? e.protocol : 'https:';
        const port = typeof e.port === 'number' ? e.port : protocol === 'http:' ? 80 : 443;
        return { serverAddress: e.hostname, serverPort: port };
      }
    }
  } catch {
    return {};
  }
  if (!url) return {};
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  return { serverAddress: url.hostname, serverPort: port };
}

/**
 * Region and server of the client. Without an explicit endpoint the SDK calls the regional public
 * endpoint, whose host is derived from the region as the SDK's endpoint rules do. Plain values are
 * read at once; a region or endpoint given as a provider (e.g. the region from `AWS_REGION`) is
 * awaited, so the result is a promise only then.
 */
export function targetOf(client: unknown): BedrockTarget | Promise<BedrockTarget> {
  const c = (client ?? {}) as ClientLike;
  const region = c.initConfig?.region ?? c.config?.region;
  // Releases before `initConfig` (3.5xx) only keep the resolved config, where a custom endpoint is
  // a provider function flagged by `isCustomEndpoint` (without the flag it is the rule-based one).
  const endpoint = c.initConfig ? c.initConfig.endpoint : c.config?.isCustomEndpoint === true ? c.config.endpoint : undefined;
  if (typeof region !== 'function' && typeof endpoint !== 'function') return buildTarget(region, endpoint);
  return Promise.all([settle(region), settle(endpoint)]).then(([r, e]) => buildTarget(r, e));
}

/** A provider's value, or undefined when it fails: the SDK call reports its own configuration errors. */
async function settle(value: unknown): Promise<unknown> {
  try {
    return typeof value === 'function' ? await (value as () => unknown)() : value;
  } catch {
    return undefined;
  }
}

function buildTarget(region: unknown, endpoint: unknown): BedrockTarget {
  const target: BedrockTarget = {};
  if (typeof region === 'string' && region !== '') target.region = region;
  Object.assign(target, endpointAttributes(endpoint));
  if (target.serverAddress === undefined && target.region !== undefined) {
    target.serverAddress = `bedrock-runtime.${target.region}.amazonaws.com`;
    target.serverPort = 443;
  }
  return target;
}

const PROFILE_PREFIX = /^(us|eu|apac|jp|au|ca|us-gov|global)\./;

/**
 * The cross-region inference profile prefix of a model id (`us.anthropic.claude-…` → `us`), also
 * inside an inference-profile ARN; undefined for plain model ids.
 */
export function profilePrefixOf(modelId: string | undefined): string | undefined {
  if (!modelId) return undefined;
  const tail = modelId.startsWith('arn:') ? (modelId.split('/').at(-1) ?? '') : modelId;
  return PROFILE_PREFIX.exec(tail)?.[1];
}
