import { relative } from 'node:path';
import { Kind, parse, visit, type ASTNode, type DirectiveNode, type DocumentNode } from 'graphql';
import type { SubgraphSource } from '../rover-config.ts';
import type { SourceLocation } from './types.ts';

interface Definition extends SourceLocation {
  readonly subgraph: string;
}

function lineOf(node: ASTNode): number {
  return node.loc?.startToken.line ?? 1;
}

/** Every schema coordinate a subgraph defines, with its line: types, fields, arguments, enum values, input fields. */
function definitionsOf(subgraph: SubgraphSource, file: string, into: Map<string, Definition[]>): void {
  let document: DocumentNode;
  try {
    document = parse(subgraph.sdl);
  } catch {
    return; // composition reports syntax errors; there is nothing to point at
  }
  const add = (coordinate: string, node: ASTNode) => {
    const list = into.get(coordinate) ?? [];
    list.push({ subgraph: subgraph.name, file, line: lineOf(node) });
    into.set(coordinate, list);
  };
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
    const type = definition.name.value;
    add(type, definition);
    if ('fields' in definition) {
      for (const field of definition.fields ?? []) {
        add(`${type}.${field.name.value}`, field);
        if ('arguments' in field) for (const arg of field.arguments ?? []) add(`${type}.${field.name.value}.${arg.name.value}`, arg);
      }
    }
    if ('values' in definition) for (const value of definition.values ?? []) add(`${type}.${value.name.value}`, value);
  }
}

/** Subgraphs that resolve a coordinate, from the supergraph's `@join__type` / `@join__field` directives. */
function ownersOf(supergraphSdl: string): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  let document: DocumentNode;
  try {
    document = parse(supergraphSdl);
  } catch {
    return owners;
  }
  const graphNames = new Map<string, string>();
  const graphsIn = (directives: readonly DirectiveNode[] | undefined, directive: string) =>
    (directives ?? [])
      .filter((d) => d.name.value === directive)
      .flatMap((d) => d.arguments?.filter((a) => a.name.value === 'graph').map((a) => (a.value.kind === Kind.ENUM ? a.value.value : '')) ?? []);
  visit(document, {
    EnumValueDefinition(node) {
      const name = node.directives?.find((d) => d.name.value === 'join__graph')?.arguments?.find((a) => a.name.value === 'name');
      if (name?.value.kind === Kind.STRING) graphNames.set(node.name.value, name.value.value);
    },
  });
  const named = (graphs: string[]) => graphs.map((g) => graphNames.get(g)).filter((n): n is string => n !== undefined);
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const type = definition.name.value;
    const typeOwners = named(graphsIn(definition.directives, 'join__type'));
    owners.set(type, typeOwners);
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) {
      const fieldOwners = named(graphsIn(field.directives, 'join__field'));
      owners.set(`${type}.${field.name.value}`, fieldOwners.length > 0 ? fieldOwners : typeOwners);
    }
  }
  return owners;
}

/**
 * Finds the subgraph SDL line a schema change is about, for annotations on a
 * pull request. A coordinate still defined points at its definition (in the
 * subgraph that resolves it, when several declare it, as entities do); a
 * removed one points at its parent's definition in the subgraph that resolved
 * it before (read from the base supergraph's join directives).
 */
export function createLocator(subgraphs: readonly SubgraphSource[], baseSupergraphSdl: string, cwd: string = process.cwd()) {
  const definitions = new Map<string, Definition[]>();
  for (const s of subgraphs) definitionsOf(s, relative(cwd, s.schemaPath) || s.schemaPath, definitions);
  const owners = ownersOf(baseSupergraphSdl);
  const ownersOfPath = (path: string): string[] => {
    const parts = path.split('.');
    for (let n = Math.min(parts.length, 2); n > 0; n--) {
      const found = owners.get(parts.slice(0, n).join('.'));
      if (found && found.length > 0) return found;
    }
    return [];
  };
  return (path: string | null): SourceLocation | undefined => {
    if (!path) return undefined;
    const preferred = ownersOfPath(path);
    const parts = path.split('.');
    for (let n = parts.length; n > 0; n--) {
      const candidates = definitions.get(parts.slice(0, n).join('.'));
      if (!candidates || candidates.length === 0) continue;
      const best = candidates.find((c) => preferred.includes(c.subgraph)) ?? candidates[0]!;
      return { file: best.file, line: best.line };
    }
    return undefined;
  };
}

export type Locator = ReturnType<typeof createLocator>;
