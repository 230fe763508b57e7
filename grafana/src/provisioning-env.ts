/**
 * Environment variable expansion in Grafana's provisioning files (data sources, dashboard
 * providers), as Grafana performs it, so tests can check what a provisioned value becomes for a
 * given environment.
 *
 * Grafana parses the YAML first; then each string value of a provisioned field goes through its
 * provisioning value types (pkg/services/provisioning/values: `interpolateValue`):
 *
 *  1. the value is split at every `$$` (a literal `$`); each part is expanded separately and the
 *     parts are joined with `$`;
 *  2. each part goes through the settings expanders (pkg/setting/expanders.go, in priority order
 *     `env` then `file`): every match of `\$(|__\w+){([^}]+)}` — `${X}` and `$__env{X}` read the
 *     environment variable named by the whole text between the braces (so `${A:-b}` reads a
 *     variable literally named `A:-b`: there is no default syntax), `$__file{path}` is the
 *     trimmed content of that file; `${HOSTNAME}` falls back to the host name when unset;
 *  3. then Go's `os.ExpandEnv`: `$NAME` (letters, digits, `_`), `${...}` (to the next `}`), and
 *     a `$` followed by one shell special character (`*#$@!?-` or a digit) read the environment;
 *     `${}` and an unclosed `${` are dropped, any other `$` is kept.
 *
 * Unset variables become the empty string. Non-string YAML values (numbers, booleans) are not
 * expanded.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ExpandOptions {
  /** The host name `${HOSTNAME}` falls back to when the variable is unset or empty. */
  hostname?: string;
  /** Reads a `$__file{path}` file; by default the real file system. */
  readFile?: (path: string) => string;
}

// The settings expanders' pattern (group 1: '' or `__name`, group 2: the text between braces).
const EXPANDER_PATTERN = /\$(|__\w+){([^}]+)}/g;

const isShellSpecial = (c: string): boolean => '*#$@!?-0123456789'.includes(c);
const isAlphaNum = (c: string): boolean => /^[A-Za-z0-9_]$/.test(c);

/** Step 2: the settings expanders (env, then file). */
function applySettingsExpanders(text: string, env: Environment, options: ExpandOptions): string {
  const getenv = (name: string): string => {
    const value = env[name] ?? '';
    return name === 'HOSTNAME' && value === '' ? (options.hostname ?? '') : value;
  };
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const expanders: { prefix: (p: string) => boolean; expand: (arg: string) => string }[] = [
    { prefix: (p) => p === '' || p === '__env', expand: getenv },
    { prefix: (p) => p === '__file', expand: (path) => readFile(path).trim() },
  ];
  let s = text;
  for (const expander of expanders) {
    // All matches are found first; each replaces the first remaining occurrence of its text.
    for (const match of [...s.matchAll(EXPANDER_PATTERN)]) {
      const [whole, prefix, argument] = match as unknown as [string, string, string];
      if (expander.prefix(prefix)) s = s.replace(whole, () => expander.expand(argument));
    }
  }
  return s;
}

/** Step 3: Go's os.ExpandEnv. */
function expandEnv(s: string, env: Environment): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c !== '$' || i + 1 >= s.length) {
      out += c;
      i++;
      continue;
    }
    const rest = s.slice(i + 1);
    let name = '';
    let width = 0;
    if (rest[0] === '{') {
      if (rest.length > 2 && isShellSpecial(rest[1] as string) && rest[2] === '}') {
        name = rest[1] as string;
        width = 3;
      } else {
        const close = rest.indexOf('}', 1);
        if (close === -1) width = 1; // unclosed `${`: dropped
        else if (close === 1) width = 2; // `${}`: dropped
        else {
          name = rest.slice(1, close);
          width = close + 1;
        }
      }
    } else if (isShellSpecial(rest[0] as string)) {
      name = rest[0] as string;
      width = 1;
    } else {
      while (width < rest.length && isAlphaNum(rest[width] as string)) width++;
      name = rest.slice(0, width);
    }
    if (name !== '') out += env[name] ?? '';
    else if (width === 0) out += '$'; // a `$` not followed by a name stays
    i += 1 + width;
  }
  return out;
}

/** One provisioned string value after Grafana's expansion. */
export function expandProvisioningValue(value: string, env: Environment, options: ExpandOptions = {}): string {
  return value
    .split('$$')
    .map((part) => expandEnv(applySettingsExpanders(part, env, options), env))
    .join('$');
}

/** Every string value of a parsed provisioning document, expanded; other values unchanged. */
export function expandProvisioningDocument(value: unknown, env: Environment, options: ExpandOptions = {}): unknown {
  if (typeof value === 'string') return expandProvisioningValue(value, env, options);
  if (Array.isArray(value)) return value.map((v) => expandProvisioningDocument(v, env, options));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandProvisioningDocument(v, env, options)]));
  }
  return value;
}

/** A data source or dashboard provisioning file (YAML text) as Grafana reads it in the given environment. */
export function expandProvisioningFile(yamlText: string, env: Environment, options: ExpandOptions = {}): unknown {
  return expandProvisioningDocument(parse(yamlText) as unknown, env, options);
}
