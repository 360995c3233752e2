/** Bounds and id formats both services enforce; one copy so that they cannot drift apart. */

/** The most of one product a single order may hold (after adding up repeated product ids). */
export const MAX_QUANTITY_PER_PRODUCT = 100;

/** The most lines one order or reservation request may hold. */
export const MAX_LINES_PER_ORDER = 20;

/** A product id as the catalogue stores it: letters, digits, '-' or '_', at most 64, e.g. "p002". */
export const PRODUCT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** An order id as product-service keys reservations by it; order-service's ids are "ord-<uuid>". */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

/** The most reservations one batch request may carry (POST /internal/reservations/batch). */
export const MAX_RESERVATIONS_PER_BATCH = 64;

/** A request id as the services pass it along (X-Request-Id): the kit's own pattern. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
