/**
 * Every limit the stand-in services enforce, in one place. Exceeding any of them is a
 * 400 BAD_REQUEST, except MAX_CART_LINES (409 CONFLICT: the request is valid, the cart is full).
 */

/** Ids in one batch request, duplicates included: `?ids=a,a,b` counts 3. */
export const MAX_BATCH_IDS = 100;

/** Items per page of `GET /products` (listing); default DEFAULT_PAGE_SIZE. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Characters in the `q` product search. */
export const MAX_SEARCH_LENGTH = 100;

/** Quantity of one cart line; adding to a line caps it here rather than failing. */
export const MAX_QUANTITY = 99;

/** Distinct products in one cart. Bounds the memory a client can make us hold. */
export const MAX_CART_LINES = 100;

/** Bytes in a request body; the only bodies are `{ productId, quantity }`. */
export const MAX_BODY_BYTES = 16 * 1024;
