-- Orders and their lines. The order id is also the reservation key at product-service.
-- Amounts are integer cents; prices are the catalogue's, copied when the stock was reserved.
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY,
  principal TEXT NOT NULL,
  idempotency_key TEXT,
  items_fingerprint TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected', 'cancelled')),
  note TEXT,
  total_cents INTEGER,
  currency TEXT,
  rejection_reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- NULL keys never collide, so orders without a key are unaffected.
CREATE UNIQUE INDEX IF NOT EXISTS orders_principal_idempotency_key ON orders (principal, idempotency_key);
-- Ids are UUIDv7 (time-ordered), so "newest first" is id order within a principal.
CREATE INDEX IF NOT EXISTS orders_principal_id ON orders (principal, id);
CREATE INDEX IF NOT EXISTS orders_status_created ON orders (status, created_at);

CREATE TABLE IF NOT EXISTS order_lines (
  order_id TEXT NOT NULL REFERENCES orders (id),
  line_no INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  product_name TEXT,
  unit_price_cents INTEGER,
  PRIMARY KEY (order_id, line_no)
);
