/**
 * The shapes the stand-in REST services serve. Subgraphs may import these as types only
 * (`import type`); at runtime they must treat the services as remote JSON over HTTP.
 */

export const LOYALTY_TIERS = ['BRONZE', 'SILVER', 'GOLD', 'PLATINUM'] as const;
export type LoyaltyTier = (typeof LOYALTY_TIERS)[number];

export interface Address {
  id: string;
  label: string;
  line1: string;
  line2: string | null;
  city: string;
  postalCode: string;
  country: string;
}

export interface User {
  id: string;
  name: string;
  email: string;
  loyaltyTier: LoyaltyTier;
  addresses: Address[];
  /** ISO 8601; drawn from a fixed range, never from the clock. */
  createdAt: string;
}

export interface Category {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
  /** Products whose `categoryId` is this category (children's products are not counted). */
  productCount: number;
}

export const IMAGE_SIZES = ['THUMBNAIL', 'SMALL', 'MEDIUM', 'LARGE'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

export interface ProductImage {
  size: ImageSize;
  url: string;
  width: number;
  height: number;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  brand: string;
  categoryId: string;
  /** One image per size, in IMAGE_SIZES order. */
  images: ProductImage[];
  relatedProductIds: string[];
}

export interface CartItem {
  productId: string;
  quantity: number;
  addedAt: string;
}

export interface Cart {
  id: string;
  userId: string;
  items: CartItem[];
  updatedAt: string;
}

export interface Price {
  productId: string;
  sku: string;
  currency: 'USD';
  listPriceCents: number;
  /** Below `listPriceCents` when on sale, otherwise null. */
  salePriceCents: number | null;
}

export interface Promotion {
  id: string;
  productId: string;
  label: string;
  discountPercent: number;
  /** Active when startsAt <= now < endsAt. */
  startsAt: string;
  endsAt: string;
}

/**
 * Everything the services serve. Shared by every service in a process and deliberately not
 * frozen at runtime (freezing 150,000 objects costs ~50 ms of start-up); the readonly type
 * is the guard, and state that changes (carts) is copied into a per-server store.
 */
export type Dataset = DeepReadonly<DatasetShape>;

export type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

interface DatasetShape {
  /** Start of the UTC day the time-relative data (carts, promotions) is anchored to. */
  dayStart: string;
  users: User[];
  categories: Category[];
  products: Product[];
  featuredProductIds: string[];
  carts: Cart[];
  prices: Price[];
  promotions: Promotion[];
  featuredPromotionIds: string[];
}
