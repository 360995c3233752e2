/** Answers for what no route handles: a 404 that names the real endpoints, or a plain 400. */
export function fallbackResponse(code: unknown, mcpPath: string, basePath: string): Response {
  if (code === "NOT_FOUND") {
    return Response.json(
      {
        error: "not_found",
        message: `No such route. The MCP endpoint is ${mcpPath}; health is at ${basePath}/health.`,
      },
      { status: 404 },
    );
  }
  return Response.json(
    { error: "bad_request", message: "The request could not be processed." },
    { status: 400 },
  );
}
