import { expect, test } from "bun:test";
import { readMcpPost } from "./read-post.ts";

const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const post = (body: string): Request =>
  new Request("http://127.0.0.1/mcp", { method: "POST", headers, body });

test("the body limit counts UTF-8 bytes, not characters, whatever their width", async () => {
  // 2 + 2×2 UTF-16 units but 2 + 2×4 bytes: over a 9-byte limit, at a 10-byte one.
  const emoji = JSON.stringify("😀😀");
  expect(emoji.length).toBe(6);
  expect(Buffer.byteLength(emoji)).toBe(10);
  const refused = await readMcpPost(post(emoji), 9);
  expect(refused.ok).toBe(false);
  if (!refused.ok) {
    expect(refused.response.status).toBe(413);
    expect(await refused.response.text()).toContain("the limit is 9 bytes");
  }
  expect((await readMcpPost(post(emoji), 10)).ok).toBe(true);
  // Three-byte characters: 2 + 3 units, 2 + 9 bytes.
  const euros = JSON.stringify("€€€");
  expect((await readMcpPost(post(euros), 10)).ok).toBe(false);
  expect((await readMcpPost(post(euros), 11)).ok).toBe(true);
  // Plain ASCII: exactly at the limit passes, one byte over does not.
  const ascii = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
  expect((await readMcpPost(post(ascii), ascii.length)).ok).toBe(true);
  expect((await readMcpPost(post(ascii), ascii.length - 1)).ok).toBe(false);
});
