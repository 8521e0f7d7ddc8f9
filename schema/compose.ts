import { composeServices } from '@apollo/composition';
import { GraphQLError, parse } from 'graphql';
import type { SubgraphSource } from './rover-config.ts';

export interface CompositionProblem {
  /** Apollo's composition error code, e.g. INVALID_GRAPHQL or FIELD_TYPE_MISMATCH. */
  readonly code: string;
  readonly message: string;
  /** Subgraph-relative locations where graphql-js knows them. */
  readonly locations: readonly string[];
}

export type CompositionOutcome =
  | { readonly ok: true; readonly supergraphSdl: string; readonly hints: readonly string[] }
  | { readonly ok: false; readonly errors: readonly CompositionProblem[] };

function problemOf(error: GraphQLError, fallbackCode: string, subgraph?: SubgraphSource): CompositionProblem {
  const code = typeof error.extensions['code'] === 'string' ? error.extensions['code'] : fallbackCode;
  const locations = (error.locations ?? []).map((l) => `${subgraph?.schemaPath ?? error.source?.name ?? '?'}:${l.line}:${l.column}`);
  return { code, message: error.message, locations };
}

/**
 * Composes subgraph SDLs into a supergraph. Pure: no file or network access, so
 * `npm run compose`, the staleness test and schema checks share exactly this path.
 */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): CompositionOutcome {
  const parsed = [];
  const errors: CompositionProblem[] = [];
  for (const subgraph of subgraphs) {
    try {
      parsed.push({ name: subgraph.name, url: subgraph.routingUrl, typeDefs: parse(subgraph.sdl, { noLocation: false }) });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      errors.push(problemOf(error, 'INVALID_GRAPHQL', subgraph));
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const result = composeServices(parsed);
  if (result.errors) return { ok: false, errors: result.errors.map((e) => problemOf(e, 'COMPOSITION_ERROR')) };
  return { ok: true, supergraphSdl: result.supergraphSdl, hints: result.hints.map((h) => `${h.definition.code}: ${h.message}`) };
}
