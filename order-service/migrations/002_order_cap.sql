-- The total an order may reach without the user's confirmation, in cents, stored with a pending order
-- that the user has not confirmed (NULL: confirmed, or placed before the cap existed). Whoever settles
-- the order (the call that placed it, a retry, the reconciler) reserves it only within this cap.
-- BIGINT: ORDER_CONFIRM_ABOVE goes up to 100,000,000 units, 10^10 cents, beyond PostgreSQL's INTEGER.
ALTER TABLE orders ADD COLUMN max_total_cents BIGINT;
