import { GraphQLError, Lexer, Source, TokenKind, parse, type DocumentNode } from 'graphql';

/**
 * Lexical measures taken BEFORE parsing, so that a hostile document costs work
 * bounded by the limit, not by its length.
 *
 * A "token" is what graphql-js counts for `parse(source, { maxLexicalTokens })`:
 * every punctuator, name, number and string, but not whitespace, commas or
 * comments (the lexer skips those; a document made of comments only is stopped
 * by the byte limit, which runs first). Counting the same way means a document
 * accepted here is never refused by the parser's own token limit.
 */

/** How deep `{`, `[` and `(` may nest before we refuse to hand the document to the parser. */
export const MAX_PARSER_NESTING = 500;
// graphql-js parses recursively: on Node 20 with the default stack, `{a{a{…` overflows
// the stack (RangeError) at about 2,000 levels, nested input objects at about 1,500.
// Apollo Router's `parser_max_recursion` default is 500; we use the same bound.

export interface LexicalScan {
  /** Tokens counted; `stopAfter + 1` when the scan stopped early. */
  readonly tokens: number;
  /** Deepest bracket nesting seen (`{`, `[`, `(`) in the part scanned. */
  readonly nesting: number;
  /** False when the scan stopped at `stopAfter` or at a lexical error. */
  readonly complete: boolean;
}

/**
 * Lexes `source`, stopping once more than `stopAfter` tokens were seen, so a
 * 10 MB document costs at most `stopAfter + 1` tokens of work (plus the
 * whitespace and comments between them). A lexical error (an unterminated
 * string, a stray character) ends the scan without throwing: the parser
 * reports it afterwards as a syntax error.
 */
export function scanTokens(source: string, stopAfter: number): LexicalScan {
  const lexer = new Lexer(new Source(source));
  let tokens = 0;
  let depth = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > stopAfter) return { tokens, nesting, complete: false };
      if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
        depth += 1;
        if (depth > nesting) nesting = depth;
      } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
        depth -= 1;
      }
    }
  } catch (error) {
    if (error instanceof GraphQLError) return { tokens, nesting, complete: false };
    throw error;
  }
  return { tokens, nesting, complete: true };
}

/** Number of lexical tokens in `source`, or `stopAfter + 1` once it is known to be more than `stopAfter`. */
export function countTokens(source: string, stopAfter: number): number {
  return scanTokens(source, stopAfter).tokens;
}

/** Size of the document as sent on the wire: UTF-8 bytes, not UTF-16 string length. */
export function documentBytes(source: string): number {
  return Buffer.byteLength(source, 'utf8');
}

export type ParseOutcome =
  | { readonly ok: true; readonly document: DocumentNode }
  | { readonly ok: false; readonly reason: 'tooManyTokens' | 'tooDeeplyNested' | 'syntax'; readonly error: GraphQLError };

/**
 * Parses with the token limit enforced by graphql-js itself (graphql 16.15:
 * `maxLexicalTokens`; `maxTokens` is its deprecated alias) and with bracket
 * nesting bounded first, so the recursive parser never overflows the stack.
 * Never throws: every failure is a GraphQLError the caller answers with a
 * catalogue code (MAX_TOKENS_LIMIT for `tooManyTokens`, GRAPHQL_PARSE_FAILED
 * otherwise). `maxTokens` null means no token limit. `known`: a scan of the
 * whole of `source` made before (by the document cache), so it is not lexed twice.
 */
export function parseWithinLimits(source: string, maxTokens: number | null, known?: LexicalScan): ParseOutcome {
  const scan = known ?? scanTokens(source, maxTokens ?? Number.POSITIVE_INFINITY);
  if (maxTokens !== null && scan.tokens > maxTokens) {
    return {
      ok: false,
      reason: 'tooManyTokens',
      error: new GraphQLError(`Document has more than ${maxTokens} lexical tokens; the maximum is ${maxTokens}.`),
    };
  }
  if (scan.nesting > MAX_PARSER_NESTING) {
    return {
      ok: false,
      reason: 'tooDeeplyNested',
      error: new GraphQLError(
        `Document nests brackets at least ${scan.nesting} levels deep; the parser accepts at most ${MAX_PARSER_NESTING}.`,
      ),
    };
  }
  try {
    const options = maxTokens === null ? {} : { maxLexicalTokens: maxTokens };
    return { ok: true, document: parse(source, options) };
  } catch (error) {
    if (error instanceof GraphQLError) return { ok: false, reason: 'syntax', error };
    // Not reachable after the nesting check; kept so a parser stack overflow can never escape as a 500.
    if (error instanceof RangeError) {
      return { ok: false, reason: 'tooDeeplyNested', error: new GraphQLError('Document is nested too deeply to parse.') };
    }
    throw error;
  }
}
