/** What the admin API's lists share: pages, and looking for a part of a text. */

/** A page of a list, and how many items the whole list holds. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** `text` as a LIKE pattern that matches it anywhere, its own `%`, `_` and `\` taken literally. */
export function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`;
}
