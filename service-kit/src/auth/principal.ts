/** Who is calling: the identity orders belong to, and what they may do. */
export type AuthMode = "none" | "api-key" | "oauth";

export interface Principal {
  id: string;
  scopes: readonly string[];
  /** How the caller was identified; tools without a declared scope are served only for "none". */
  via?: AuthMode;
}

export const ALL_SCOPES = ["products:read", "orders:read", "orders:write"] as const;
export type Scope = (typeof ALL_SCOPES)[number];

/** The caller when AUTH_MODE=none: a single local user who may do everything. */
export const LOCAL_PRINCIPAL: Principal = { id: "local", scopes: ALL_SCOPES, via: "none" };
