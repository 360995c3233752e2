/** The catalogue's own types. Prices are integer cents here; adapters show currency units. */
export interface Product {
  id: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  currency: string;
  stock: number;
  imageUrl: string | null;
  attributes: Record<string, string | number | boolean>;
  createdAt: string;
  updatedAt: string;
}

export interface Category {
  id: string;
  name: string;
  description: string;
  productCount: number;
}

export type SortOrder = "relevance" | "price_asc" | "price_desc" | "name";

export interface SearchQuery {
  query?: string;
  category?: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  inStockOnly?: boolean;
  sort?: SortOrder;
  limit: number;
  cursor?: string;
}

export interface SearchPage {
  products: Product[];
  nextCursor: string | null;
  total: number;
}
