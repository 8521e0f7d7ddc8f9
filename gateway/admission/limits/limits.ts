import { ErrorCode } from '../../../common/errors.ts';
import type { OperationMetrics } from './operation-metrics.ts';
import { countTokens, documentBytes } from './tokens.ts';

/**
 * Operation limits per client profile: the policy, its documentation and the
 * decision. Pure: the plugin measures, calls checkPreParse / checkOperation, logs
 * and counts every violation, and refuses the request when one is in `enforce`
 * mode. Documented for clients in docs/limits.md.
 */

export const LIMIT_NAMES = [
  'maxDepth',
  'maxAliases',
  'maxRootFields',
  'maxHeight',
  'maxDirectives',
  'maxTokens',
  'maxDocumentBytes',
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

export const LIMIT_MODES = ['measure', 'enforce'] as const;
export type LimitMode = (typeof LIMIT_MODES)[number];

export interface LimitSetting {
  /** null = off (not measured, never refuses). */
  readonly max: number | null;
  /** `measure`: log and count, let the request through. `enforce`: refuse it. */
  readonly mode: LimitMode;
}
export type LimitPolicy = Readonly<Record<LimitName, LimitSetting>>;

export interface LimitViolation {
  readonly limit: LimitName;
  readonly code: ErrorCode;
  /** For maxTokens, counting stops at max + 1: the document has at least this many. */
  readonly measured: number;
  readonly max: number;
  readonly mode: LimitMode;
  /** What was counted, the measured value and the maximum. Safe to show to clients. */
  readonly message: string;
}

export const LIMIT_DOCS: Record<
  LimitName,
  { counts: string; example: string; defaultWeb: number | null; defaultMobile: number | null; code: ErrorCode }
> = {
  maxDepth: {
    counts:
      'Deepest nesting of fields that have a sub-selection, fragments expanded (graphql-depth-limit counting: a leaf field adds nothing; fields starting with __ are not counted).',
    example: '{ me { cart { items { quantity } } } } has depth 3',
    defaultWeb: 15,
    defaultMobile: 10,
    code: ErrorCode.MAX_DEPTH_LIMIT,
  },
  maxAliases: {
    counts: 'Aliased fields, counted again each time the fragment holding them is spread.',
    example: '{ a: product(id: "1") { id } b: product(id: "2") { id } } has 2 aliases',
    defaultWeb: 30,
    defaultMobile: 15,
    code: ErrorCode.MAX_ALIASES_LIMIT,
  },
  maxRootFields: {
    counts:
      'Distinct response names at the root of the operation, including those selected through root-level fragments; the same field under two aliases counts twice.',
    example: '{ me { id } featuredProducts { id } } has 2 root fields',
    defaultWeb: 20,
    defaultMobile: 10,
    code: ErrorCode.MAX_ROOT_FIELDS_LIMIT,
  },
  maxHeight: {
    counts:
      'Field selections in total (Apollo Router "height"): every field, leaves included, fragments expanded each time they are spread; a repeated response name in one selection set counts once.',
    example: '{ me { id ...F ...F } } with fragment F on User { name } has height 4 (me, id, and name once per spread)',
    defaultWeb: 300,
    defaultMobile: 100,
    code: ErrorCode.MAX_HEIGHT_LIMIT,
  },
  maxDirectives: {
    counts:
      'Directive uses (@skip, @include, any other) on the operation, variables, fields and fragments, counted again each time a fragment is spread.',
    example: 'query($s: Boolean!) { me @skip(if: $s) { id @include(if: true) } } has 2 directives',
    defaultWeb: 50,
    defaultMobile: 20,
    code: ErrorCode.MAX_DIRECTIVES_LIMIT,
  },
  maxTokens: {
    counts:
      'Lexical tokens of the whole document before parsing (punctuators, names, numbers, strings; not whitespace, commas or comments), as graphql-js counts them.',
    example: '{ me { id } } has 6 tokens',
    defaultWeb: 5000,
    defaultMobile: 1000,
    code: ErrorCode.MAX_TOKENS_LIMIT,
  },
  maxDocumentBytes: {
    counts: 'UTF-8 bytes of the document text (the `query` string, not the whole request body).',
    example: '{ me { name } } is 15 bytes; each "é" in it would add 2',
    defaultWeb: 65_536,
    defaultMobile: 16_384,
    code: ErrorCode.MAX_DOCUMENT_SIZE_LIMIT,
  },
};

function defaultsFor(profile: 'defaultWeb' | 'defaultMobile'): LimitPolicy {
  const entries = LIMIT_NAMES.map((name) => [name, Object.freeze({ max: LIMIT_DOCS[name][profile], mode: 'enforce' })] as const);
  return Object.freeze(Object.fromEntries(entries) as Record<LimitName, LimitSetting>);
}

/**
 * Defaults, all enforced. Shipped operations (persisted-queries/) measure at most:
 * depth 6, aliases 0, root fields 3, height 48, directives 0, tokens 91, 1,013 bytes;
 * GraphiQL's introspection query measures height 220-230, 160-190 tokens, ~2 KB.
 * - web (free-form queries, GraphiQL, introspection on): depth 15 (2.5x the deepest
 *   shipped operation; our schema has recursive paths such as Category.parent and
 *   Product.relatedProducts, which depth is the cheap guard against). Aliases 30,
 *   root fields 20: Apollo Router's documented example values. Height 300: Router's
 *   example is 200, but introspection must pass. Directives 50: GraphQL Armor's
 *   default. Tokens 5,000: GraphQL Armor's max-tokens example (Router's parser
 *   default of 15,000 is per request, for any client). 64 KiB of text.
 * - mobile (persisted, known operations; introspection off): tighter, with room for
 *   app versions already in the field to grow: depth 10, aliases 15 (Armor's
 *   default), root fields 10, height 100, directives 20, tokens 1,000 (Armor's and
 *   Hive Gateway's default), 16 KiB.
 */
export const DEFAULT_LIMITS: { readonly web: LimitPolicy; readonly mobile: LimitPolicy } = Object.freeze({
  web: defaultsFor('defaultWeb'),
  mobile: defaultsFor('defaultMobile'),
});

const MEASURED: Record<LimitName, string> = {
  maxDepth: 'Operation depth (fields nested in fields)',
  maxAliases: 'Number of aliased fields',
  maxRootFields: 'Number of root fields',
  maxHeight: 'Number of field selections (height, fragments expanded)',
  maxDirectives: 'Number of directive uses',
  maxTokens: 'Number of lexical tokens in the document',
  maxDocumentBytes: 'Document size in UTF-8 bytes',
};

function violation(limit: LimitName, setting: LimitSetting, measured: number): LimitViolation | undefined {
  if (setting.max === null || measured <= setting.max) return undefined;
  const value = limit === 'maxTokens' && measured === setting.max + 1 ? `more than ${setting.max}` : String(measured);
  return {
    limit,
    code: LIMIT_DOCS[limit].code,
    measured,
    max: setting.max,
    mode: setting.mode,
    message: `${MEASURED[limit]} is ${value}; the maximum is ${setting.max} (${limit}).`,
  };
}

/**
 * Limits checked on the raw text, before parsing: bytes, then tokens. Token counting
 * stops after max + 1 tokens, so an oversized document costs bounded work.
 * `tokens` counts as countTokens does; the document cache passes a memoised count.
 */
export function checkPreParse(source: string, policy: LimitPolicy, tokens: (stopAfter: number) => number = (stopAfter) => countTokens(source, stopAfter)): LimitViolation[] {
  const found: (LimitViolation | undefined)[] = [];
  if (policy.maxDocumentBytes.max !== null) {
    found.push(violation('maxDocumentBytes', policy.maxDocumentBytes, documentBytes(source)));
  }
  if (policy.maxTokens.max !== null) {
    found.push(violation('maxTokens', policy.maxTokens, tokens(policy.maxTokens.max)));
  }
  return found.filter((v) => v !== undefined);
}

/** Limits checked on the parsed, selected operation (see measureOperation). */
export function checkOperation(metrics: OperationMetrics, policy: LimitPolicy): LimitViolation[] {
  return [
    violation('maxDepth', policy.maxDepth, metrics.depth),
    violation('maxAliases', policy.maxAliases, metrics.aliases),
    violation('maxRootFields', policy.maxRootFields, metrics.rootFields),
    violation('maxHeight', policy.maxHeight, metrics.height),
    violation('maxDirectives', policy.maxDirectives, metrics.directives),
  ].filter((v) => v !== undefined);
}
