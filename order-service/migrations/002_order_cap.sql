-- The total an order may reach without the user's confirmation, in cents, stored with a pending order
-- that the user has not confirmed (NULL: confirmed, or placed before the cap existed). Whoever settles
-- the order (the call that placed it, a retry, the reconciler) reserves it only within this cap.
ALTER TABLE orders ADD COLUMN max_total_cents INTEGER;
