import type { Faker } from '@faker-js/faker';
import { IMAGE_SIZES, type ImageSize, type Product, type ProductImage } from './types.ts';
import { CATEGORY_SPECS } from './categories.ts';
import { categoryId, padded, productId, type Random } from './random.ts';
import type { Vocabulary } from './vocabulary.ts';

export const PRODUCT_COUNT = 10_000;
export const FEATURED_PRODUCT_COUNT = 12;
const BRAND_COUNT = 60;
const MAX_RELATED = 5;

const IMAGE_WIDTHS: Record<ImageSize, number> = { THUMBNAIL: 100, SMALL: 300, MEDIUM: 600, LARGE: 1200 };

type Describe = (noun: string, material: string, adjective: string) => string;
const DESCRIPTIONS: readonly Describe[] = [
  (noun, material, adjective) => `A ${adjective} ${noun.toLowerCase()} made of ${material.toLowerCase()}, built to last.`,
  (noun, material, adjective) => `Our ${adjective} ${noun.toLowerCase()}: ${material.toLowerCase()} construction, no compromises.`,
  (noun, material, adjective) => `The ${noun.toLowerCase()} you have been looking for, in ${adjective} ${material.toLowerCase()}.`,
  (noun, material, adjective) => `${material} meets ${adjective} design in this everyday ${noun.toLowerCase()}.`,
];

/**
 * Products are spread uniformly over the categories and named
 * "<product adjective> <material> <category noun>", e.g. "Rustic Bamboo Floor Lamp".
 * Related products come from the same category.
 */
export function generateProducts(random: Random, faker: Faker, words: Vocabulary): Product[] {
  // A small pool: a real catalogue repeats brands, and faker's template helper is slow.
  const brands = Array.from({ length: BRAND_COUNT }, () => faker.company.name());
  const products: Product[] = [];
  const byCategory = CATEGORY_SPECS.map((): number[] => []);
  for (let n = 1; n <= PRODUCT_COUNT; n++) {
    const categoryIndex = random.int(0, CATEGORY_SPECS.length - 1);
    const noun = random.pick(CATEGORY_SPECS[categoryIndex]!.nouns);
    const material = random.pick(words.materials);
    const id = productId(n);
    products.push({
      id,
      sku: padded('SKU-', n, 5),
      name: `${random.pick(words.productAdjectives)} ${material} ${noun}`,
      description: random.pick(DESCRIPTIONS)(noun, material, random.pick(words.adjectives)),
      brand: random.pick(brands),
      categoryId: categoryId(categoryIndex + 1),
      images: imagesFor(id),
      relatedProductIds: [],
    });
    byCategory[categoryIndex]!.push(n);
  }

  for (const bucket of byCategory) {
    for (const n of bucket) {
      const count = Math.min(random.int(0, MAX_RELATED), bucket.length - 1);
      const picks = new Set<number>();
      while (picks.size < count) {
        const other = random.pick(bucket);
        if (other !== n) picks.add(other);
      }
      products[n - 1]!.relatedProductIds = [...picks].map(productId);
    }
  }
  return products;
}

export function pickFeaturedProductIds(random: Random): string[] {
  return random.distinctInts(FEATURED_PRODUCT_COUNT, 1, PRODUCT_COUNT).map(productId);
}

function imagesFor(id: string): ProductImage[] {
  return IMAGE_SIZES.map((size) => ({
    size,
    url: `https://img.example.com/${id}/${size.toLowerCase()}.jpg`,
    width: IMAGE_WIDTHS[size],
    height: IMAGE_WIDTHS[size],
  }));
}
