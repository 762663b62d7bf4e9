/** A GraphQL enum object from a list of names: each name's value is itself (type-graphql's enum shape). */
export function enumOf<T extends string>(names: readonly T[]): { [K in T]: K } {
  return Object.fromEntries(names.map((name) => [name, name])) as { [K in T]: K };
}
