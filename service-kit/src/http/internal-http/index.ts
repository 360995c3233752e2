/**
 * HTTP calls between our own services (order-service → product-service). A plain http:// URL, what
 * service discovery gives inside the VPC, goes over sockets that the service's own thread reads and
 * writes (socket-client.ts); anything else (https, a URL with credentials) goes through fetch()
 * (fetch-client.ts).
 */
import { FetchHttpClient } from "./fetch-client.ts";
import type { InternalHttp } from "./internal-http.ts";
import { SocketHttpClient } from "./socket-client.ts";

export {
  type InternalAnswer,
  type InternalHttp,
  InternalHttpError,
  type InternalHttpErrorCode,
  type InternalRequest,
} from "./internal-http.ts";

/** The client for `baseUrl`: sockets for plain http://, fetch() for the rest. */
export function createInternalHttp(baseUrl: string): InternalHttp {
  return SocketHttpClient.supports(baseUrl) ? new SocketHttpClient(baseUrl) : new FetchHttpClient(baseUrl);
}
