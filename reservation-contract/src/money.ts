/** Currency units ⇄ integer cents. Cents avoid float drift in totals; units are what people read. */
export function toCents(units: number): number {
  return Math.round(units * 100);
}

export function toUnits(cents: number): number {
  return cents / 100;
}

/** True when `units` has at most two decimals (a price a shop can actually charge). */
export function hasAtMostTwoDecimals(units: number): boolean {
  return Math.abs(units * 100 - Math.round(units * 100)) < 1e-6;
}
