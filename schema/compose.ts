import { composeServices } from '@apollo/composition';
import { getLocation, GraphQLError, parse, Source } from 'graphql';
import type { SubgraphSource } from './rover-config.ts';

/** A line and column in a subgraph's SDL file. */
export interface SdlLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface CompositionProblem {
  /** Apollo's composition error code, e.g. INVALID_GRAPHQL or FIELD_TYPE_MISMATCH. */
  readonly code: string;
  readonly message: string;
  /** Where in the subgraph files, when graphql-js or composition knows. */
  readonly locations: readonly SdlLocation[];
}

export type CompositionOutcome =
  | { readonly ok: true; readonly supergraphSdl: string; readonly hints: readonly string[] }
  | { readonly ok: false; readonly errors: readonly CompositionProblem[] };

/** `file:line:column`, as compilers print it. */
export const formatSdlLocation = (l: SdlLocation): string => `${l.file}:${l.line}:${l.column}`;

/**
 * Each subgraph is parsed as a Source named after its file, so every node
 * composition blames (for FIELD_TYPE_MISMATCH: one per subgraph) carries the
 * file it came from.
 */
function problemOf(error: GraphQLError, fallbackCode: string): CompositionProblem {
  const code = typeof error.extensions['code'] === 'string' ? error.extensions['code'] : fallbackCode;
  const locations: SdlLocation[] = [];
  for (const node of error.nodes ?? []) {
    if (!node.loc) continue;
    const { line, column } = getLocation(node.loc.source, node.loc.start);
    locations.push({ file: node.loc.source.name, line, column });
  }
  if (locations.length === 0 && error.source) {
    for (const l of error.locations ?? []) locations.push({ file: error.source.name, line: l.line, column: l.column });
  }
  return { code, message: error.message, locations };
}

/**
 * Composes subgraph SDLs into a supergraph. Pure: no file or network access, so
 * `npm run compose`, the staleness test and `npm run schema:check` share
 * exactly this path.
 */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): CompositionOutcome {
  const parsed = [];
  const errors: CompositionProblem[] = [];
  for (const subgraph of subgraphs) {
    try {
      parsed.push({ name: subgraph.name, url: subgraph.routingUrl, typeDefs: parse(new Source(subgraph.sdl, subgraph.schemaPath)) });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      errors.push(problemOf(error, 'INVALID_GRAPHQL'));
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(parsed);
  if (result.errors) return { ok: false, errors: result.errors.map((e) => problemOf(e, 'COMPOSITION_ERROR')) };
  return { ok: true, supergraphSdl: result.supergraphSdl, hints: result.hints.map((h) => `${h.definition.code}: ${h.message}`) };
}
