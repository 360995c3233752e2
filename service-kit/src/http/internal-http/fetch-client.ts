/**
 * Internal calls through fetch(), for base URLs the socket client does not take (https, credentials).
 * Its failures are told as the socket client tells them (internal-http.ts).
 */
import {
  type InternalAnswer,
  type InternalHttp,
  InternalHttpError,
  type InternalRequest,
  requestProblem,
} from "./internal-http.ts";

export class FetchHttpClient implements InternalHttp {
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  async request(request: InternalRequest): Promise<InternalAnswer> {
    const problem = requestProblem(request);
    if (problem) throw new Error(problem);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${request.path}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(request.timeoutMs),
      });
    } catch (error) {
      throw asInternalError(error, `no answer from ${this.baseUrl} within ${request.timeoutMs} ms`);
    }
    try {
      return { status: response.status, text: await response.text() };
    } catch (error) {
      throw asInternalError(
        error,
        `the answer from ${this.baseUrl} did not finish within ${request.timeoutMs} ms`,
      );
    }
  }

  close(): void {
    // fetch() keeps its connections on its own thread; nothing here to close.
  }
}

function asInternalError(error: unknown, timeoutMessage: string): InternalHttpError {
  const { name, code, message } = error as { name?: string; code?: unknown; message?: string };
  if (name === "TimeoutError" || name === "AbortError")
    return new InternalHttpError(timeoutMessage, "ETIMEDOUT");
  const text = message ?? String(error);
  return new InternalHttpError(text, code === "ECONNREFUSED" ? "ECONNREFUSED" : "ECONNRESET");
}
