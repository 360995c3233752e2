/** Who is calling: the identity orders belong to, and what they may do. */
export interface Principal {
  id: string;
  scopes: readonly string[];
}

export const ALL_SCOPES = ["products:read", "orders:read", "orders:write"] as const;
export type Scope = (typeof ALL_SCOPES)[number];

/** The caller when AUTH_MODE=none: a single local user who may do everything. */
export const LOCAL_PRINCIPAL: Principal = { id: "local", scopes: ALL_SCOPES };
