/** The get_product answer for p002, built from the demo catalogue, for the ceiling server. */
import demoCatalog from "../product-service/data/demo-catalog.json" with { type: "json" };

export const BENCH_PRODUCT_ID = "p002";

export function cannedToolResponse(): string {
  const product = demoCatalog.products.find((candidate) => candidate.id === BENCH_PRODUCT_ID);
  if (!product) throw new Error(`the demo catalogue has no ${BENCH_PRODUCT_ID}`);
  const view = { ...product, in_stock: product.stock > 0 };
  return JSON.stringify({
    result: { content: [{ type: "text", text: JSON.stringify(view) }], structuredContent: view },
    jsonrpc: "2.0",
    id: 1,
  });
}
