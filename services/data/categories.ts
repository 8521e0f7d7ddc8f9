import type { Category } from './types.ts';
import { categoryId } from './random.ts';

interface CategorySpec {
  name: string;
  /** 1-based position of the parent in CATEGORY_SPECS, or null for a top-level category. */
  parent: number | null;
  /** Product nouns; every product of the category is named "<adjective> <material> <noun>". */
  nouns: readonly string[];
}

/**
 * Written by hand rather than generated so that names, hierarchy and product nouns agree
 * ("Lighting" holds lamps), which makes search examples like `categoryId=cat-03&q=lamp` work.
 */
export const CATEGORY_SPECS: readonly CategorySpec[] = [
  { name: 'Home', parent: null, nouns: ['Rug', 'Cushion', 'Vase', 'Candle', 'Wall Clock'] },
  { name: 'Furniture', parent: 1, nouns: ['Chair', 'Table', 'Sofa', 'Bookshelf', 'Desk'] },
  { name: 'Lighting', parent: 1, nouns: ['Lamp', 'Floor Lamp', 'Pendant Light', 'Sconce', 'Lantern'] },
  { name: 'Kitchen', parent: 1, nouns: ['Mug', 'Skillet', 'Kettle', 'Cutting Board', 'Knife Set'] },
  { name: 'Electronics', parent: null, nouns: ['Smartwatch', 'Tablet', 'Camera', 'Drone', 'Television'] },
  { name: 'Computers', parent: 5, nouns: ['Laptop', 'Keyboard', 'Mouse', 'Monitor', 'Webcam'] },
  { name: 'Audio', parent: 5, nouns: ['Headphones', 'Speaker', 'Earbuds', 'Soundbar', 'Turntable'] },
  { name: 'Phone Accessories', parent: 5, nouns: ['Phone Case', 'Charger', 'Power Bank', 'Phone Stand', 'Cable'] },
  { name: 'Clothing', parent: null, nouns: ['Socks', 'Belt', 'Gloves', 'Umbrella', 'Sunglasses'] },
  { name: 'Menswear', parent: 9, nouns: ['Shirt', 'Pants', 'Jacket', 'Sweater', 'Hat'] },
  { name: 'Womenswear', parent: 9, nouns: ['Dress', 'Blouse', 'Skirt', 'Cardigan', 'Scarf'] },
  { name: 'Shoes', parent: 9, nouns: ['Sneakers', 'Boots', 'Sandals', 'Loafers', 'Slippers'] },
  { name: 'Outdoors', parent: null, nouns: ['Hammock', 'Cooler', 'Picnic Blanket', 'Binoculars', 'Compass'] },
  { name: 'Camping', parent: 13, nouns: ['Tent', 'Sleeping Bag', 'Camp Stove', 'Backpack', 'Headlamp'] },
  { name: 'Garden', parent: 13, nouns: ['Planter', 'Hose', 'Shovel', 'Bird Feeder', 'Watering Can'] },
  { name: 'Sports', parent: null, nouns: ['Ball', 'Racket', 'Goal Net', 'Stopwatch', 'Sports Bag'] },
  { name: 'Fitness', parent: 16, nouns: ['Yoga Mat', 'Dumbbell', 'Kettlebell', 'Jump Rope', 'Foam Roller'] },
  { name: 'Cycling', parent: 16, nouns: ['Bike', 'Helmet', 'Bike Light', 'Water Bottle', 'Bike Lock'] },
  { name: 'Toys', parent: null, nouns: ['Puzzle', 'Board Game', 'Building Blocks', 'Plush Bear', 'Kite'] },
  { name: 'Books', parent: null, nouns: ['Notebook', 'Journal', 'Cookbook', 'Atlas', 'Sketchbook'] },
];

/** Categories with productCount filled in from the products already generated. */
export function buildCategories(productCountByCategory: ReadonlyMap<string, number>): Category[] {
  return CATEGORY_SPECS.map((spec, i) => {
    const id = categoryId(i + 1);
    return {
      id,
      name: spec.name,
      slug: spec.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      parentId: spec.parent === null ? null : categoryId(spec.parent),
      productCount: productCountByCategory.get(id) ?? 0,
    };
  });
}
