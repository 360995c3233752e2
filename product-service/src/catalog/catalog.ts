/** The catalogue's use cases, free of HTTP and MCP: what the adapters call. */
import type { SQL } from "bun";
import { DomainError } from "service-kit";
import type { ChangePublisher } from "./changes.ts";
import { type ImportReport, importCatalog } from "./import-catalog.ts";
import { ProductRepository } from "./product-repository.ts";
import { searchProducts } from "./search.ts";
import type { Category, Product, SearchPage, SearchQuery } from "./types.ts";

export interface StockLevel {
  productId: string;
  name: string;
  stock: number;
}

export interface InventoryReport {
  items: StockLevel[];
  unknownIds: string[];
}

export class Catalog {
  private readonly products: ProductRepository;

  constructor(private readonly sql: SQL) {
    this.products = new ProductRepository(sql);
  }

  search(query: SearchQuery): Promise<SearchPage> {
    return searchProducts(this.sql, query);
  }

  async getProduct(id: string): Promise<Product> {
    const product = await this.products.get(id);
    if (!product) {
      throw new DomainError(
        "not_found",
        `No product has the id "${id}". Use search_products to find products and their ids (they look like p002).`,
      );
    }
    return product;
  }

  categories(): Promise<Category[]> {
    return this.products.categories();
  }

  async inventory(ids: readonly string[]): Promise<InventoryReport> {
    const unique = [...new Set(ids)];
    const found = new Map((await this.products.getMany(unique)).map((product) => [product.id, product]));
    return {
      items: unique.flatMap((id) => {
        const product = found.get(id);
        return product ? [{ productId: id, name: product.name, stock: product.stock }] : [];
      }),
      unknownIds: unique.filter((id) => !found.has(id)),
    };
  }

  /** Product ids and names for resource listing and completion. */
  productIndex(limit = 1000): Promise<{ id: string; name: string }[]> {
    return this.products.listIds(limit);
  }

  /** `changes` (the seed command on PostgreSQL) tells the serving instances what the import changed. */
  import(data: unknown, changes?: ChangePublisher): Promise<ImportReport> {
    return importCatalog(this.sql, data, changes);
  }

  /** Seeds the demo catalogue into an empty database so a fresh clone has something to browse. */
  async seedIfEmpty(data: unknown): Promise<ImportReport | undefined> {
    if ((await this.products.count()) > 0) return undefined;
    return importCatalog(this.sql, data);
  }
}
