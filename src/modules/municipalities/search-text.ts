/**
 * Folds a name or a query to the form the search columns hold: NFKC (full-width letters and digits
 * to half-width, half-width kana to full-width), no spaces, katakana to hiragana. So 「サッポロ」,
 * 「さっぽろ」 and 「ｻｯﾎﾟﾛ」 all find 札幌市.
 */
export function foldForSearch(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/[\s\u3000]+/g, '')
    .replace(/[\u30a1-\u30f6]/g, (char) => String.fromCharCode(char.charCodeAt(0) - 0x60));
}

/** Escapes LIKE wildcards so a query is always a literal prefix. */
export function escapeLikePattern(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}
