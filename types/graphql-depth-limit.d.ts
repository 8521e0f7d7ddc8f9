// graphql-depth-limit ships no types, and @types/graphql-depth-limit pulls in
// graphql 14 (a second graphql copy breaks instanceof checks). This is its API.
declare module 'graphql-depth-limit' {
  import type { ValidationContext, ASTVisitor } from 'graphql';
  interface Options {
    ignore?: (string | RegExp | ((name: string) => boolean))[];
  }
  export default function depthLimit(
    maxDepth: number,
    options?: Options,
    callback?: (depths: Record<string, number>) => void,
  ): (context: ValidationContext) => ASTVisitor;
}
