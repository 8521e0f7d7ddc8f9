import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { measureOperation, type OperationMetrics } from './limits/operation-metrics.ts';
import { parseWithinLimits, type ParseOutcome } from './limits/tokens.ts';

/** A parsed document with what admission learns from it, each fact computed at most once. */
export interface ParsedDocument {
  readonly kind: 'parsed';
  readonly document: DocumentNode;
  /** Shape metrics of the named operation (or the only one). Linear in the document. */
  metrics(operationName: string | undefined): OperationMetrics;
  /**
   * Whether the document validates against the API schema. Call only after the
   * shape limits passed: some validation rules grow faster than linearly with
   * the document (OverlappingFieldsCanBeMerged is quadratic in fields).
   */
  isValid(): boolean;
}

/** `tooDeeplyNested`: brackets nest deeper than the parser may recurse; `message` is safe to show to clients. */
export type DocumentAnalysis = { readonly kind: 'unparsable'; readonly reason: Extract<ParseOutcome, { ok: false }>['reason']; readonly message: string } | ParsedDocument;

/**
 * Analysis keyed by the SHA-256 of the document text, so a repeated operation
 * (the common case: clients send the same few operations) pays for parse,
 * measure and validate once. One cache per schema: a hot reload starts afresh.
 */
export class DocumentCache {
  readonly #entries: LRUCache<string, DocumentAnalysis>;
  readonly #onLookup: (hit: boolean) => void;

  /** `maxEntries` default 2000; `onLookup` hears of every lookup (true: a hit), for the cache metrics. */
  private readonly schema: GraphQLSchema;

  constructor(schema: GraphQLSchema, options: { readonly maxEntries?: number; readonly onLookup?: (hit: boolean) => void } = {}) {
    this.schema = schema;
    this.#entries = new LRUCache({ max: options.maxEntries ?? 2000 });
    this.#onLookup = options.onLookup ?? (() => {});
  }

  /** Bytes and tokens must already be within limits: they bound what this costs. */
  analyze(query: string): DocumentAnalysis {
    const key = createHash('sha256').update(query).digest('hex');
    let analysis = this.#entries.get(key);
    this.#onLookup(analysis !== undefined);
    if (!analysis) {
      analysis = this.#analyze(query);
      this.#entries.set(key, analysis);
    }
    return analysis;
  }

  #analyze(query: string): DocumentAnalysis {
    const parsed = parseWithinLimits(query, null);
    if (!parsed.ok) return { kind: 'unparsable', reason: parsed.reason, message: parsed.error.message };
    const { document } = parsed;
    const schema = this.schema;
    const perOperation = new Map<string, OperationMetrics>();
    let valid: boolean | undefined;
    return {
      kind: 'parsed',
      document,
      metrics(operationName) {
        const name = operationName ?? '';
        let metrics = perOperation.get(name);
        if (!metrics) {
          metrics = measureOperation(document, operationName ?? null);
          perOperation.set(name, metrics);
        }
        return metrics;
      },
      isValid() {
        valid ??= validate(schema, document).length === 0;
        return valid;
      },
    };
  }
}
