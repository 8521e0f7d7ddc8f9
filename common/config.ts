import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { classifyUnknownEnv, isServiceLink, type IgnoredEnv } from './foreign-env.ts';

/**
 * Thrown when configuration is invalid. The message lists every problem at once
 * (key, what was expected, what was received) so an operator fixes them in one pass.
 */
export class ConfigError extends Error {
  readonly source: string;
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`invalid ${source} configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

function describeReceived(input: unknown): string {
  if (input === undefined) return 'nothing';
  const text = JSON.stringify(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Validates `input` against `schema`, throwing one ConfigError that lists every issue, and freezes the result. */
export function validateConfig<S extends z.ZodType>(schema: S, input: unknown, source: string): Readonly<z.output<S>> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return deepFreeze(result.data);
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${key}: unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (a typo would silently disable an option, so unknown keys are refused)`;
    }
    return `${key}: ${issue.message}, received ${describeReceived(issue.input)}`;
  });
  throw new ConfigError(source, problems);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Reads a JSON config file; a missing or malformed file is a ConfigError, not a crash. */
export function readJsonConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('file', [`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError('file', [`${path}: is not valid JSON (${(error as Error).message})`]);
  }
}

export type EnvMapping = Record<string, (target: Record<string, unknown>, value: string) => void>;

export interface PrefixedEnvOptions {
  /** Reads names that follow a pattern (`GATEWAY_SUBGRAPH_URL_<NAME>`); returns false if `name` is not one. */
  readonly dynamic?: (name: string, value: string, target: Record<string, unknown>) => boolean;
  /** Spellings of the dynamic names, for typo suggestions (`GATEWAY_SUBGRAPH_URL_<NAME>`). */
  readonly dynamicNames?: readonly string[];
  /** Receives the variables ignored under the foreign-variable rule (common/foreign-env.ts), to log them once. */
  readonly onIgnored?: (ignored: readonly IgnoredEnv[]) => void;
}

/**
 * Maps environment variables with `prefix` onto a plain object using `mapping`.
 * An unknown variable that looks like one of ours is an error (`BFF_PROT=4000`
 * must not be ignored); Kubernetes service links and variables that resemble
 * none of ours are someone else's and are ignored (the rule: common/foreign-env.ts).
 */
export function readPrefixedEnv(env: NodeJS.ProcessEnv, prefix: string, mapping: EnvMapping, options: PrefixedEnvOptions = {}): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  const problems: string[] = [];
  const ignored: IgnoredEnv[] = [];
  const known = [...Object.keys(mapping), ...(options.dynamicNames ?? [])];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined) continue;
    const apply = mapping[name];
    // A known name with a service link's value (GATEWAY_PORT=tcp://10.0.0.1:4000) is kubelet's, not ours.
    if (isServiceLink(prefix, name, value)) ignored.push({ name, reason: 'service-link' });
    else if (apply) apply(target, value);
    else if (!options.dynamic?.(name, value, target)) {
      const verdict = classifyUnknownEnv(prefix, name, value, known);
      if (verdict.kind === 'ignore') ignored.push({ name, reason: verdict.reason });
      else problems.push(`${name}: unknown environment variable; did you mean ${verdict.nearest.join(' or ')}? (known: ${known.join(', ')})`);
    }
  }
  if (problems.length > 0) throw new ConfigError('environment', problems);
  if (ignored.length > 0) options.onIgnored?.(ignored);
  return target;
}

/** Sets `value` at a dotted `path` of `target`, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** Deep-merges plain objects; later sources win. Arrays and scalars are replaced. */
export function mergeConfig(...sources: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const source of sources) {
    for (const [key, value] of Object.entries(source)) {
      const existing = out[key];
      out[key] =
        isPlainObject(existing) && isPlainObject(value) ? mergeConfig(existing, value) : value;
    }
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** parseArgs with `strict: true`, turning its TypeError into a ConfigError that lists the valid flags. */
export function parseFlags<O extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const valid = Object.keys(options).map((k) => `--${k}`).join(', ');
    throw new ConfigError('command-line', [`${(error as Error).message}; valid flags: ${valid}`]);
  }
}

/** Numbers from env and flags arrive as strings; coerce only when it is a clean integer so zod reports the rest. */
export function intOrString(value: string): number | string {
  return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}
