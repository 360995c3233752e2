/**
 * Turns a free-text query into search terms and price hints. People (and models) write
 * "headphones under $200"; the words become terms and the phrase becomes a price bound.
 */
import { toCents } from "reservation-contract";

export interface ParsedQuery {
  terms: string[];
  maxPriceCents?: number;
  minPriceCents?: number;
}

const STOP_WORDS = new Set([
  "a",
  "an",
  "the",
  "for",
  "and",
  "or",
  "with",
  "of",
  "to",
  "in",
  "on",
  "my",
  "me",
  "some",
  "any",
]);
const UPPER = /\b(?:under|below|less than|cheaper than|max|at most|up to)\s*\$?\s*(\d+(?:\.\d{1,2})?)\b/gi;
const LOWER = /\b(?:over|above|more than|min|at least)\s*\$?\s*(\d+(?:\.\d{1,2})?)\b/gi;

export function parseQuery(raw: string): ParsedQuery {
  let text = raw.toLowerCase();
  const parsed: ParsedQuery = { terms: [] };
  text = text.replace(UPPER, (_, amount: string) => {
    parsed.maxPriceCents = toCents(Number(amount));
    return " ";
  });
  text = text.replace(LOWER, (_, amount: string) => {
    parsed.minPriceCents = toCents(Number(amount));
    return " ";
  });
  const words = text.split(/[^\p{L}\p{N}-]+/u).filter((word) => word.length > 1 && !STOP_WORDS.has(word));
  parsed.terms = [...new Set(words.map(singular))].slice(0, 8);
  // Text with no words in it ("%", "1=1") is still a search: match it literally rather than
  // returning the whole catalogue.
  const rest = text.trim();
  if (parsed.terms.length === 0 && rest !== "") parsed.terms = [rest.slice(0, 100)];
  return parsed;
}

/** "headphones" should match "Headphone Stand" too; a crude English singular is enough here. */
function singular(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/** Escapes LIKE wildcards so user text is matched literally. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
