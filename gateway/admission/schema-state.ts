import type { GraphQLSchema } from 'graphql';

/**
 * What admission needs from the current supergraph, replaced atomically when
 * the gateway loads a new one (hot reload): the API schema clients query, and
 * the core supergraph SDL (which still carries @cost/@listSize, stripped from
 * the API schema).
 */
export interface SchemaSnapshot<Derived> {
  readonly apiSchema: GraphQLSchema;
  readonly supergraphSdl: string;
  /** Values computed once per schema (cost directives, the document cache). */
  readonly derived: Derived;
}

export class SchemaState<Derived> {
  #current: SchemaSnapshot<Derived> | undefined;

  private readonly derive: (apiSchema: GraphQLSchema, supergraphSdl: string) => Derived;

  constructor(derive: (apiSchema: GraphQLSchema, supergraphSdl: string) => Derived) {
    this.derive = derive;
  }

  update(apiSchema: GraphQLSchema, supergraphSdl: string): void {
    this.#current = { apiSchema, supergraphSdl, derived: this.derive(apiSchema, supergraphSdl) };
  }

  get current(): SchemaSnapshot<Derived> | undefined {
    return this.#current;
  }
}
