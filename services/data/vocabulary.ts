import { faker as englishFaker } from '@faker-js/faker/locale/en';

/**
 * Word lists copied once out of faker's English locale data. Generation draws from these
 * plain arrays instead of calling faker's named helpers (`person.firstName()`,
 * `location.city()`, `commerce.productName()`): those go through a validating Proxy and a
 * template engine at ~10 µs a call, which alone would put 11,000 records over the
 * start-up budget.
 */
export interface Vocabulary {
  firstNames: readonly string[];
  lastNames: readonly string[];
  streetSuffixes: readonly string[];
  citySuffixes: readonly string[];
  adjectives: readonly string[];
  productAdjectives: readonly string[];
  materials: readonly string[];
}

/** Pure data, no randomness: safe to share. */
export function englishVocabulary(): Vocabulary {
  const raw = englishFaker.rawDefinitions;
  return {
    firstNames: listOf(raw.person?.first_name?.generic, 'person.first_name.generic'),
    lastNames: listOf(raw.person?.last_name?.generic, 'person.last_name.generic'),
    streetSuffixes: listOf(raw.location?.street_suffix, 'location.street_suffix'),
    citySuffixes: listOf(raw.location?.city_suffix, 'location.city_suffix'),
    adjectives: listOf(raw.word?.adjective, 'word.adjective'),
    productAdjectives: listOf(raw.commerce?.product_name?.adjective, 'commerce.product_name.adjective'),
    materials: listOf(raw.commerce?.product_name?.material, 'commerce.product_name.material'),
  };
}

// A faker upgrade that renames a list must fail loudly here, not yield "undefined" names.
function listOf(value: readonly string[] | null | undefined, path: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`faker locale "en" has no word list at ${path}`);
  return [...value];
}
