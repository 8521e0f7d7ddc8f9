import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * Persisted-query manifests in Apollo's format (what
 * `@apollo/generate-persisted-query-manifest` writes and Apollo Router loads):
 *
 *   { "format": "apollo-persisted-query-manifest", "version": 1,
 *     "operations": [{ "id", "name", "type", "body", "clientName"? }] }
 *
 * We require `id` to be the SHA-256 hex of `body`, so an id names exactly one
 * text and the APQ hash of a listed operation is its manifest id.
 */
export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';
export const OPERATION_TYPES = ['query', 'mutation', 'subscription'] as const;

/** 64 lowercase hex characters: a SHA-256 digest as Apollo clients and the GraphQL-over-HTTP draft write it. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

// Unknown keys are allowed: this is an external format that may grow fields,
// unlike our config, where a typo must not silently disable an option.
const operationSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  type: z.enum(OPERATION_TYPES),
  body: z.string().min(1),
  clientName: z.string().min(1).optional(),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(1),
  operations: z.array(operationSchema),
});

export type ManifestOperation = z.output<typeof operationSchema>;
export type PersistedQueryManifest = z.output<typeof manifestSchema>;

/**
 * The manifest files of a releases directory, oldest release first
 * (numeric-aware: 4.9.0.json before 4.10.0.json). One rule for the gateway,
 * which serves them, and the schema check, which reports them.
 */
export function releaseManifestNames(names: readonly string[]): string[] {
  return names.filter((n) => n.endsWith('.json')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** The SHA-256 hex of an operation's text (UTF-8): its manifest id and its APQ hash. */
export function hashOperation(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** A manifest that cannot be used; `problems` lists everything wrong with it at once. */
export class ManifestError extends Error {
  readonly source: string;
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`invalid persisted-query manifest ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ManifestError';
    this.source = source;
    this.problems = problems;
  }
}

function short(text: string): string {
  return text.length > 24 ? `${text.slice(0, 16)}…(${text.length} chars)` : text;
}

/** Validates manifest JSON text. Pure; `source` names it in the error (usually the file path). */
export function parseManifest(text: string, source: string): PersistedQueryManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(source, [`not valid JSON (${(error as Error).message})`]);
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    throw new ManifestError(
      source,
      result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`),
    );
  }
  const problems: string[] = [];
  const firstIndexOf = new Map<string, number>();
  result.data.operations.forEach((operation, index) => {
    const where = `operations.${index} (${operation.name || 'anonymous'})`;
    const expected = hashOperation(operation.body);
    if (operation.id !== expected) {
      problems.push(`${where}: id ${short(operation.id)} is not the SHA-256 of its body (expected ${expected})`);
    }
    const first = firstIndexOf.get(operation.id);
    if (first === undefined) firstIndexOf.set(operation.id, index);
    else problems.push(`${where}: duplicate id ${short(operation.id)} (first at operations.${first})`);
  });
  if (problems.length > 0) throw new ManifestError(source, problems);
  return result.data;
}

/** Reads and validates one manifest file; any problem (unreadable, bad JSON, bad entries) is one ManifestError. */
export async function loadManifest(path: string): Promise<PersistedQueryManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ManifestError(path, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseManifest(text, path);
}

/**
 * The operations a gateway knows, merged from its main manifest and any extra
 * ones, looked up by id (persisted-query requests) and by exact body text
 * (free-form requests in safelist mode: no parsing, no normalisation, so a
 * refused operation costs one map lookup). Immutable: a reload builds a new one.
 */
export class ManifestIndex {
  static readonly EMPTY = new ManifestIndex(new Map(), new Map());

  private readonly ids: ReadonlyMap<string, ManifestOperation>;
  private readonly bodies: ReadonlyMap<string, ManifestOperation>;

  private constructor(ids: ReadonlyMap<string, ManifestOperation>, bodies: ReadonlyMap<string, ManifestOperation>) {
    this.ids = ids;
    this.bodies = bodies;
  }

  /**
   * Merges manifests, earlier ones winning. The same id in two manifests is
   * the same text (ids are body hashes), so overlapping extras are harmless.
   */
  static of(manifests: readonly PersistedQueryManifest[]): ManifestIndex {
    const ids = new Map<string, ManifestOperation>();
    const bodies = new Map<string, ManifestOperation>();
    for (const manifest of manifests) {
      for (const operation of manifest.operations) {
        if (ids.has(operation.id)) continue;
        const frozen = Object.freeze({ ...operation });
        ids.set(operation.id, frozen);
        bodies.set(operation.body, frozen);
      }
    }
    return new ManifestIndex(ids, bodies);
  }

  byId(id: string): ManifestOperation | undefined {
    return this.ids.get(id);
  }

  byBody(body: string): ManifestOperation | undefined {
    return this.bodies.get(body);
  }

  get size(): number {
    return this.ids.size;
  }

  operations(): IterableIterator<ManifestOperation> {
    return this.ids.values();
  }
}

/**
 * Loads the main manifest and the extras into one index. Every file is read
 * and checked before anything fails, so the error lists every file's problems.
 */
export async function loadManifestIndex(paths: readonly string[]): Promise<ManifestIndex> {
  const results = await Promise.allSettled(paths.map((path) => loadManifest(path)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as ManifestError] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new ManifestError(paths.join(', '), failures.flatMap((f) => f.problems.map((p) => `${f.source}: ${p}`)));
  }
  return ManifestIndex.of(results.map((r) => (r as PromiseFulfilledResult<PersistedQueryManifest>).value));
}
