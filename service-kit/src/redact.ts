/**
 * Hides the credentials of URLs inside any text that is printed: config errors, start-up log lines,
 * error messages. A bad DATABASE_URL is exactly the value someone pastes with its password, and the
 * error that reports it must not print the password to a terminal or CloudWatch.
 */

// A run of non-space characters with an "@" in it: a URL with userinfo, or "user:pass@host" without
// a scheme, or an e-mail address (left alone below).
const HAS_AT = /[^\s"'<>]*@[^\s"'<>]*/g;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

function redactToken(token: string): string {
  // Up to the LAST "@": a password may hold an unescaped "@" of its own.
  const at = token.lastIndexOf("@");
  const head = token.slice(0, at);
  const scheme = SCHEME.exec(head)?.[0] ?? "";
  const userinfo = head.slice(scheme.length);
  // Without a scheme and a colon it reads as an e-mail address (a principal), not a credential.
  if (scheme === "" && !userinfo.includes(":")) return token;
  if (userinfo === "") return token;
  const colon = userinfo.indexOf(":");
  const masked = colon > 0 ? `${userinfo.slice(0, colon)}:***` : "***";
  return `${scheme}${masked}${token.slice(at)}`;
}

/** `postgres://app:s3cret@db/shop` → `postgres://app:***@db/shop`, wherever it appears in `text`. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes("@")) return text;
  return text.replace(HAS_AT, redactToken);
}
