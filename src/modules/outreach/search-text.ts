/**
 * Japanese search text, the same on PGlite and PostgreSQL because it is made here and not by an
 * extension (ARCHITECTURE: pg_trgm sees no Japanese under LC_CTYPE=C and never indexes 2-character
 * queries; PGroonga and pg_bigm exist on one engine only).
 *
 * Text and queries go through one normalisation:
 * - NFKC: full-width ＡＢＣ１２３ and half-width ｶﾀｶﾅ become ABC123 and カタカナ (ﾎﾞﾗﾝﾃｨｱ → ボランティア);
 * - lower case;
 * - katakana folded to hiragana, small kana to their full size (ボランティア, ぼらんてぃあ → ぼらんていあ);
 * - old and variant kanji forms to the common one (髙 → 高, 﨑 → 崎, 澤 → 沢, …);
 * - anything that is not a letter or digit splits segments (spaces, punctuation, symbols).
 *
 * A post stores the normalised text and its tokens: every pair of neighbouring characters in a segment
 * (bigrams) and every single kanji. A query term matches a post when the post holds all the term's
 * tokens (the GIN index finds those) and the normalised text contains the term itself (order and
 * contiguity): 「祭り」 finds 「夏祭り」 because 「祭り」 is in 「夏祭り」.
 *
 * Words written in kanji or in kana (まつり / 祭り, みこし / 神輿) are not the same characters; a short
 * list of readings and spelling variants common in local activities expands a query term to its
 * alternatives. Readings outside the list are not found by kana (no dictionary is bundled).
 */

/** Old and variant forms of kanji found in place and personal names, to the form people type. */
const kanjiVariants: Record<string, string> = {
  髙: '高',
  﨑: '崎',
  嵜: '崎',
  碕: '崎',
  邊: '辺',
  邉: '辺',
  澤: '沢',
  濱: '浜',
  濵: '浜',
  齋: '斎',
  齊: '斉',
  櫻: '桜',
  國: '国',
  會: '会',
  廣: '広',
  學: '学',
  藝: '芸',
  舘: '館',
  嶋: '島',
  嶌: '島',
  峯: '峰',
  冨: '富',
  德: '徳',
  惠: '恵',
  眞: '真',
  龍: '竜',
  驛: '駅',
  縣: '県',
  與: '与',
  關: '関',
  鐵: '鉄',
  實: '実',
  壽: '寿',
  榮: '栄',
  瀧: '滝',
  淺: '浅',
  狹: '狭',
  圓: '円',
  萬: '万',
  槇: '槙',
  祐: '祐',
};

const smallKana: Record<string, string> = {
  ぁ: 'あ',
  ぃ: 'い',
  ぅ: 'う',
  ぇ: 'え',
  ぉ: 'お',
  っ: 'つ',
  ゃ: 'や',
  ゅ: 'ゆ',
  ょ: 'よ',
  ゎ: 'わ',
  ゕ: 'か',
  ゖ: 'け',
};

const kanjiPattern = /\p{Script=Han}/u;
/** Letters, digits, the long vowel mark and the iteration marks stay; everything else splits. */
const segmentSplit = /[^\p{L}\p{N}ー々〆ヶ]+/u;

/** One character of normalised text, after NFKC and lower case. */
function foldCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  // Katakana ァ (U+30A1) … ヶ (U+30F6) sit 0x60 above their hiragana.
  const hiragana = code >= 0x30a1 && code <= 0x30f6 ? String.fromCodePoint(code - 0x60) : character;
  return smallKana[hiragana] ?? kanjiVariants[hiragana] ?? hiragana;
}

/** Normalises text for search and splits it into segments (never empty strings). */
export function searchSegments(text: string): string[] {
  const folded = [...text.normalize('NFKC').toLowerCase()].map(foldCharacter).join('');
  return folded.split(segmentSplit).filter((segment) => segment.length > 0);
}

/** The normalised text as stored: segments joined by a separator no term can contain. */
export function normalizeForSearch(text: string): string {
  return searchSegments(text).join('|');
}

/** The tokens of a segment: its bigrams, its single kanji, and the segment itself if one character. */
function segmentTokens(segment: string, into: Set<string>): void {
  const characters = [...segment];
  if (characters.length === 1) into.add(segment);
  for (let index = 0; index < characters.length; index += 1) {
    const character = characters[index]!;
    if (kanjiPattern.test(character)) into.add(character);
    if (index + 1 < characters.length) into.add(character + characters[index + 1]!);
  }
}

/** Tokens of a whole text (every field of a post), for the GIN index. */
export function searchTokens(text: string): string[] {
  const tokens = new Set<string>();
  for (const segment of searchSegments(text)) segmentTokens(segment, tokens);
  return [...tokens];
}

/** The tokens a term needs: its bigrams, or the term itself when it is one character. */
export function termTokens(term: string): string[] {
  const characters = [...term];
  if (characters.length === 1) return [term];
  const tokens = new Set<string>();
  for (let index = 0; index + 1 < characters.length; index += 1)
    tokens.add(characters[index]! + characters[index + 1]!);
  return [...tokens];
}

/**
 * Readings and spellings that mean the same in local activities, normalised (kana in hiragana). A term
 * containing one of them also matches with any other in its place.
 */
const variantGroups: string[][] = [
  ['まつり', '祭り', '祭'],
  ['みこし', '神輿', '御輿'],
  ['ぼんおどり', '盆踊り', '盆おどり'],
  ['おどり', '踊り'],
  ['そうじ', '掃除', '清掃'],
  ['ごみひろい', 'ごみ拾い'],
  ['たうえ', '田植え', '田植'],
  ['いねかり', '稲刈り', '稲刈'],
  ['くさかり', '草刈り', '草刈'],
  ['ゆきかき', '雪かき', '除雪'],
  ['あきや', '空き家', '空家'],
  ['いじゆう', '移住'],
  ['ぼうさい', '防災'],
  ['ひなんくんれん', '避難訓練'],
  ['えんのう', '援農'],
  ['のうぎよう', '農業'],
  ['かいもの', '買い物', '買物'],
  ['もうしこみ', '申し込み', '申込み', '申込'],
  ['こども', '子ども', '子供'],
  ['ふるさと', '故郷', 'ふる里', '古里'],
  ['たなだ', '棚田'],
  ['ぼしゆう', '募集'],
  ['かんこう', '観光'],
  ['ちいきおこし', '地域おこし', '地域興し'],
  ['みまもり', '見守り'],
];

const maxAlternatives = 8;

/** A term and its variants (the term first); each alternative is a normalised string. */
export function termAlternatives(term: string): string[] {
  const alternatives = [term];
  for (const group of variantGroups) {
    for (const member of group) {
      if (member.length < 2 && group.length > 1 && term !== member) continue;
      if (!term.includes(member)) continue;
      for (const other of group) {
        if (other === member) continue;
        const replaced = term.replace(member, other);
        if (!alternatives.includes(replaced)) alternatives.push(replaced);
      }
    }
  }
  return alternatives.slice(0, maxAlternatives);
}

export interface SearchTerm {
  /** The term as normalised. */
  term: string;
  /** Each alternative with the tokens it needs. A post matches the term if it matches any alternative. */
  alternatives: Array<{ text: string; tokens: string[] }>;
}

/** At most this many terms are used; the rest of a long query is ignored. */
export const maxTerms = 8;

/**
 * Parses a free-text query into terms, all of which must match (AND). Terms are what spaces and
 * punctuation separate; a single character that is not a kanji (「の」, 「3」) is dropped: it would match
 * nearly everything, or (a digit inside 「3日間」) nothing.
 */
export function parseQuery(query: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  for (const segment of searchSegments(query)) {
    const characters = [...segment];
    if (characters.length === 1 && !kanjiPattern.test(segment)) continue;
    if (terms.some((existing) => existing.term === segment)) continue;
    terms.push({
      term: segment,
      alternatives: termAlternatives(segment).map((text) => ({ text, tokens: termTokens(text) })),
    });
    if (terms.length === maxTerms) break;
  }
  return terms;
}
