import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLError, parse, visit } from 'graphql';
import { ConfigError, readJsonConfigFile } from '../../common/config.ts';
import { parseGatewayConfig } from '../../gateway/config.ts';
import { ManifestError, parseManifest, releaseManifestNames } from '../../gateway/admission/persisted-queries/manifest.ts';
import { PROFILE_NAMES } from '../../gateway/profiles.ts';
import { loadRoverConfig, type SubgraphSource } from '../rover-config.ts';
import type { PersistedOperation } from './operations.ts';

function unreadable(source: string, path: string, error: unknown): ConfigError {
  return new ConfigError(source, [`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
}

/**
 * The proposed subgraphs: those named in rover.yaml, with one replaced by
 * `--name`/`--schema` as `rover subgraph check` takes it. Syntax errors are
 * input errors (nothing can be checked), reported with file, line and column;
 * everything else is left to composition.
 */
export function loadProposedSubgraphs(configPath: string, override?: { name: string; schemaPath: string }): SubgraphSource[] {
  const subgraphs = loadRoverConfig(configPath);
  if (override) {
    const index = subgraphs.findIndex((s) => s.name === override.name);
    if (index < 0) {
      throw new ConfigError('command-line', [`--name: no subgraph ${JSON.stringify(override.name)} in ${configPath} (it names ${subgraphs.map((s) => s.name).join(', ')}); add a new subgraph to rover.yaml first`]);
    }
    let sdl: string;
    try {
      sdl = readFileSync(override.schemaPath, 'utf8');
    } catch (error) {
      throw unreadable('command-line', `--schema ${override.schemaPath}`, error);
    }
    subgraphs[index] = { ...subgraphs[index]!, schemaPath: override.schemaPath, sdl };
  }
  const problems: string[] = [];
  for (const s of subgraphs) {
    try {
      parse(s.sdl);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const at = error.locations?.[0];
      problems.push(`${s.schemaPath}${at ? `:${at.line}:${at.column}` : ''}: subgraph ${s.name} is not valid GraphQL SDL: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError('input', problems);
  return subgraphs;
}

/** A git ref as a user would type it; refuses option-looking or odd text before it reaches git. */
const GIT_REF = /^(?!-)[\w./@^~{}-]{1,200}$/;

/**
 * The base supergraph: the committed file, or the same file at a git ref
 * (`--base origin/main`), read with `git show` so no checkout is touched.
 */
export function loadBaseSupergraph(supergraphPath: string, ref: string | undefined): { label: string; sdl: string } {
  if (ref === undefined) {
    try {
      return { label: `${supergraphPath} (committed)`, sdl: readFileSync(supergraphPath, 'utf8') };
    } catch (error) {
      throw unreadable('input', supergraphPath, error);
    }
  }
  if (!GIT_REF.test(ref)) throw new ConfigError('command-line', [`--base: expected a git ref such as origin/main, received ${JSON.stringify(ref)}`]);
  try {
    const sdl = execFileSync('git', ['show', `${ref}:./${supergraphPath.replace(/^\.\//, '')}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    return { label: `${supergraphPath} at ${ref}`, sdl };
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n')[0] ?? '';
    throw new ConfigError('command-line', [`--base: cannot read ${supergraphPath} at ${JSON.stringify(ref)} (${stderr || (error as Error).message})`]);
  }
}

/** Line of `"name": "<operation>"` in a manifest's text, for annotations. */
function lineOfOperation(text: string, operation: string): number {
  const index = text.indexOf(`"name": ${JSON.stringify(operation)}`);
  return index < 0 ? 1 : text.slice(0, index).split('\n').length;
}

/** Line of every response path in an operation's source file (`product.price.effectivePrice` → 12), for annotations. */
function fieldLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let document;
  try {
    document = parse(text);
  } catch {
    return lines; // pq:manifest --check refuses such a file; the manifest's body is what is checked
  }
  const path: string[] = [];
  visit(document, {
    OperationDefinition: { enter: () => void (path.length = 0) },
    FragmentDefinition: { enter: (node) => void path.splice(0, path.length, `...${node.name.value}`) },
    Field: {
      enter(node) {
        path.push(node.alias?.value ?? node.name.value);
        if (!lines.has(path.join('.'))) lines.set(path.join('.'), node.loc?.startToken.line ?? 1);
      },
      leave: () => void path.pop(),
    },
  });
  return lines;
}

function operationsOfManifest(path: string, client: string, release: string | null, sourceDir: string | null): PersistedOperation[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw unreadable('input', path, error);
  }
  let manifest;
  try {
    manifest = parseManifest(text, path);
  } catch (error) {
    if (error instanceof ManifestError) throw new ConfigError('input', error.problems.map((p) => `${path}: ${p}`));
    throw error;
  }
  return manifest.operations.map((o) => {
    const source = sourceDir === null ? null : join(sourceDir, `${o.name}.graphql`);
    if (source === null || !existsSync(source)) return { client, release, operation: o.name, id: o.id, body: o.body, location: { file: path, line: lineOfOperation(text, o.name) } };
    const lines = fieldLines(readFileSync(source, 'utf8'));
    return { client, release, operation: o.name, id: o.id, body: o.body, location: { file: source, line: 1 }, lineOf: (fieldPath: string) => lines.get(fieldPath) };
  });
}

/** Release manifests in a directory, oldest first. */
function releaseFiles(dir: string): string[] {
  try {
    return releaseManifestNames(readdirSync(dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw unreadable('input', dir, error);
  }
}

export interface OperationSets {
  readonly operations: PersistedOperation[];
  readonly clients: string[];
  /** `mobile@4.11.0`, … */
  readonly releases: string[];
}

/**
 * Every persisted operation a client may send: each client's current manifest
 * (`<dir>/manifests/<client>.json`) and every shipped release
 * (`<dir>/releases/<client>/<version>.json`, Apollo manifest format). A release
 * stays until no supported app version sends its operations; delete its file
 * to stop checking it. A release directory for a client with no gateway
 * profile is an input error, since no cost maximum applies to it.
 */
export function loadOperationSets(dir: string): OperationSets {
  const operations: PersistedOperation[] = [];
  const clients: string[] = [];
  const releases: string[] = [];
  const releasesDir = join(dir, 'releases');
  let releaseClients: string[] = [];
  try {
    releaseClients = readdirSync(releasesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable('input', releasesDir, error);
  }
  const unknown = releaseClients.filter((c) => !(PROFILE_NAMES as readonly string[]).includes(c));
  if (unknown.length > 0) {
    throw new ConfigError('input', unknown.map((c) => `${join(releasesDir, c)}: no gateway profile named ${JSON.stringify(c)} (profiles: ${PROFILE_NAMES.join(', ')})`));
  }
  for (const client of PROFILE_NAMES) {
    const manifest = join(dir, 'manifests', `${client}.json`);
    if (existsSync(manifest)) {
      clients.push(client);
      operations.push(...operationsOfManifest(manifest, client, null, join(dir, client)));
    }
    for (const file of releaseFiles(join(releasesDir, client))) {
      const version = file.replace(/\.json$/, '');
      releases.push(`${client}@${version}`);
      operations.push(...operationsOfManifest(join(releasesDir, client, file), client, version, null));
    }
  }
  return { operations, clients, releases };
}

/**
 * Each client's maximum operation cost, from its gateway profile, or from the
 * gateway config file it runs with in production (`--gateway-config
 * mobile=config/mobile.json`), validated exactly as the gateway validates it.
 */
export function loadMaxCosts(gatewayConfigs: readonly string[]): (client: string) => number | null {
  const files = new Map<string, unknown>();
  const problems: string[] = [];
  for (const pair of gatewayConfigs) {
    const eq = pair.indexOf('=');
    const client = pair.slice(0, eq);
    if (eq <= 0 || !(PROFILE_NAMES as readonly string[]).includes(client)) {
      problems.push(`--gateway-config: expected <client>=<file.json> with client one of ${PROFILE_NAMES.join(', ')}, received ${JSON.stringify(pair)}`);
      continue;
    }
    files.set(client, readJsonConfigFile(pair.slice(eq + 1)));
  }
  if (problems.length > 0) throw new ConfigError('command-line', problems);
  const maxCosts = new Map<string, number | null>();
  for (const client of PROFILE_NAMES) {
    const file = files.get(client) ?? {};
    const input = typeof file === 'object' && file !== null && !Array.isArray(file) ? { ...file, profile: client } : file;
    maxCosts.set(client, parseGatewayConfig(input).cost.maxCost);
  }
  return (client) => maxCosts.get(client) ?? null;
}
