import { Kind, type ConstDirectiveNode, type ConstValueNode, type DocumentNode } from 'graphql';

/**
 * The names under which a spec's directives appear in a schema, following the
 * core/link spec (https://specs.apollo.dev/link/v1.0):
 * - `@link(url: ".../cost/v0.1")` puts the spec under the namespace `cost`
 *   (`as: "x"` renames it `x`). A directive named like the spec itself is its
 *   namespace alone (`@cost`, or `@x`); any other is `@cost__listSize`.
 * - `import: ["@listSize"]` brings a directive in under its own name, and
 *   `import: [{ name: "@listSize", as: "@size" }]` under another.
 *
 * Composition (2.14) emits what the subgraphs used: `import: ["@listSize"]`
 * (with `@cost` bare, as the spec's own name) when they imported both, and
 * `import: [{ name: "@cost", as: "@federation__cost" }, ...]` when they wrote
 * `@federation__cost` without importing it.
 */
export interface LinkedSpec {
  readonly url: string;
  /** Local name (without `@`) of each directive of the spec, by its name in the spec. */
  directiveName(specName: string): string;
}

function stringArgument(directive: ConstDirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function importsOf(value: ConstValueNode | undefined): Map<string, string> {
  const imports = new Map<string, string>();
  const items = value?.kind === Kind.LIST ? value.values : value ? [value] : [];
  for (const item of items) {
    if (item.kind === Kind.STRING) {
      imports.set(item.value, item.value);
    } else if (item.kind === Kind.OBJECT) {
      const field = (n: string) => item.fields.find((f) => f.name.value === n)?.value;
      const name = field('name');
      const as = field('as');
      if (name?.kind === Kind.STRING) imports.set(name.value, as?.kind === Kind.STRING ? as.value : name.value);
    }
  }
  return imports;
}

/** `https://specs.apollo.dev/cost/v0.1` → `{ identity: "https://specs.apollo.dev/cost", name: "cost" }`. */
function parseSpecUrl(url: string): { identity: string; name: string } | undefined {
  const match = /^(.*\/([A-Za-z_][A-Za-z0-9_]*))\/v\d+\.\d+\/?$/.exec(url);
  return match ? { identity: match[1]!, name: match[2]! } : undefined;
}

/** The first `@link` on the schema (definition or extension) to a spec with this identity, e.g. `https://specs.apollo.dev/cost`. */
export function findLinkedSpec(document: DocumentNode, identity: string): LinkedSpec | undefined {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const url = stringArgument(directive, 'url');
      const spec = url === undefined ? undefined : parseSpecUrl(url);
      if (!url || !spec || spec.identity !== identity) continue;
      const namespace = stringArgument(directive, 'as') ?? spec.name;
      const imports = importsOf(directive.arguments?.find((a) => a.name.value === 'import')?.value);
      return {
        url,
        directiveName(specName: string): string {
          const imported = imports.get(`@${specName}`);
          if (imported !== undefined) return imported.replace(/^@/, '');
          return specName === spec.name ? namespace : `${namespace}__${specName}`;
        },
      };
    }
  }
  return undefined;
}
