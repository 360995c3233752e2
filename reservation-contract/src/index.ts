/** The reservation contract between order-service and product-service: what both sides must agree on. */
export { type ReserveBatchEntry, reserveBatchRequest, reserveBatchResponse } from "./batch.ts";
export { type LineCurrency, mixedCurrenciesProblem, productsByCurrency } from "./currencies.ts";
export { itemsFingerprint, normalizeItems, type RequestedItem, sumByProduct } from "./items.ts";
export {
  MAX_LINES_PER_ORDER,
  MAX_QUANTITY_PER_PRODUCT,
  MAX_RESERVATIONS_PER_BATCH,
  ORDER_ID_PATTERN,
  PRODUCT_ID_PATTERN,
  REQUEST_ID_PATTERN,
} from "./limits.ts";
export { hasAtMostTwoDecimals, toCents, toUnits } from "./money.ts";
export { describeShortage, describeShortages, type Shortage } from "./shortages.ts";
export {
  aboveLimitBody,
  encodeReservedResponse,
  encodeReserveRequest,
  insufficientStockBody,
  orderIdSchema,
  type PriceQuote,
  type ProblemBody,
  problemBody,
  quoteRequest,
  quoteResponse,
  type ReleaseResult,
  type ReservedLine,
  releaseResponse,
  reservedResponse,
  reserveRequest,
} from "./wire.ts";
