-- Stock reservations made by order-service, one per order. The order id is the idempotency key:
-- a repeated request finds its row here and gets the same answer. A released reservation stays as a
-- tombstone so that a late retry of the same order cannot take the stock again.
CREATE TABLE IF NOT EXISTS reservations (
  order_id TEXT PRIMARY KEY,
  items_fingerprint TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'released')),
  created_at TEXT NOT NULL,
  released_at TEXT
);

CREATE TABLE IF NOT EXISTS reservation_lines (
  order_id TEXT NOT NULL REFERENCES reservations (order_id),
  product_id TEXT NOT NULL REFERENCES products (id),
  product_name TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
  currency TEXT NOT NULL,
  PRIMARY KEY (order_id, product_id)
);
