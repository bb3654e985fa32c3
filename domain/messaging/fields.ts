/**
 * The one formatter of WeChat message field values (DOMAIN.md §1a–1b), used for
 * official-account template messages and mini-program subscribe messages alike.
 *
 * A field's type is its key without the trailing number (`thing4` → thing,
 * `character_string9` → character_string), as in WeChat's category templates.
 * Every value loses line breaks and surplus whitespace; `first` and `remark`
 * are dropped (not shown since 2023-05-04); each type keeps its limit:
 *
 * | type                               | rule                                            |
 * |------------------------------------|-------------------------------------------------|
 * | thing                              | ≤ 20 characters, cut with …                     |
 * | number                             | digits and . only, ≤ 32                         |
 * | letter                             | letters only, ≤ 32                              |
 * | character_string                   | printable ASCII only, ≤ 32                      |
 * | symbol                             | ≤ 5                                             |
 * | phone_number                       | digits + - and spaces, ≤ 17                     |
 * | name                               | ≤ 10 when it has Chinese, else ≤ 20, cut with … |
 * | phrase                             | ≤ 5 Chinese characters only                     |
 * | amount                             | as given (¥ + digits)                           |
 * | time / date                        | Date → 2025年9月1日 15:01 (China time)          |
 *
 * Template messages (channel 'template') also obey the 2023 rule of ≤ 20
 * characters per field, whatever the type. Lengths count code points.
 */

export type FieldType =
  | 'thing'
  | 'number'
  | 'letter'
  | 'character_string'
  | 'symbol'
  | 'phone_number'
  | 'name'
  | 'phrase'
  | 'amount'
  | 'time'
  | 'date';

export type MessageChannel = 'template' | 'subscribe';

export type FieldValue = string | number | Date | null | undefined;

/** What WeChat receives: `{ key: { value } }`. */
export type MessageData = Record<string, { value: string }>;

const ELLIPSIS = '…';
const TEMPLATE_FIELD_MAX = 20;
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;
const HIDDEN_KEYS = new Set(['first', 'remark']);

const KNOWN_TYPES: readonly FieldType[] = ['thing', 'number', 'letter', 'character_string', 'symbol', 'phone_number', 'name', 'phrase', 'amount', 'time', 'date'];

/** thing4 → thing; undefined for keys that are not typed template keys. */
export function fieldTypeOf(key: string): FieldType | undefined {
  const match = /^([a-z_]+?)\d+$/.exec(key);
  const type = match ? match[1] : undefined;
  return type && (KNOWN_TYPES as readonly string[]).includes(type) ? (type as FieldType) : undefined;
}

function chars(value: string): string[] {
  return Array.from(value);
}

/** Cut to `max` code points; with `ellipsis`, the last kept character becomes …. */
export function cut(value: string, max: number, ellipsis = true): string {
  const list = chars(value);
  if (list.length <= max) return value;
  if (!ellipsis || max < 2) return list.slice(0, max).join('');
  return list.slice(0, max - 1).join('') + ELLIPSIS;
}

/** One line: line breaks, tabs and runs of spaces become one space; trimmed. */
export function oneLine(value: string): string {
  return value.replace(/[\r\n\t\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** 2025年9月1日 15:01 in China time (UTC+8, no daylight saving); dateOnly: 2025年9月1日. */
export function formatChinaTime(at: Date, dateOnly = false): string {
  const local = new Date(at.getTime() + CHINA_UTC_OFFSET_MS);
  const day = `${local.getUTCFullYear()}年${local.getUTCMonth() + 1}月${local.getUTCDate()}日`;
  return dateOnly ? day : `${day} ${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}`;
}

/** 2026-09-30 → 2026年9月30日 (calendar dates as stored). */
export function formatCalendarDate(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDate);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : isoDate;
}

/** Shape one value for its key's type (and the channel's rules). */
export function formatField(key: string, raw: FieldValue, channel: MessageChannel): string {
  const type = fieldTypeOf(key);
  let value: string;
  if (raw instanceof Date) value = formatChinaTime(raw, type === 'date');
  else if (raw === null || raw === undefined) value = '';
  else value = oneLine(String(raw));

  switch (type) {
    case 'thing':
      value = cut(value, 20);
      break;
    case 'number':
      value = cut(value.replace(/[^\d.]/g, ''), 32, false);
      break;
    case 'letter':
      value = cut(value.replace(/[^A-Za-z]/g, ''), 32, false);
      break;
    case 'character_string':
      value = cut(value.replace(/[^\x21-\x7e]/g, ''), 32, false);
      break;
    case 'symbol':
      value = cut(value, 5, false);
      break;
    case 'phone_number':
      value = cut(value.replace(/[^\d+\- ]/g, ''), 17, false);
      break;
    case 'name':
      value = cut(value, /[^\x00-\x7f]/.test(value) ? 10 : 20);
      break;
    case 'phrase':
      value = cut(value.replace(/[^\u4e00-\u9fff]/g, ''), 5, false);
      break;
    default:
      break;
  }
  if (channel === 'template') value = cut(value, TEMPLATE_FIELD_MAX, type !== 'character_string' && type !== 'number' && type !== 'phrase');
  return value;
}

/** Shape every field; `first` / `remark` are left out. */
export function formatMessageData(fields: Record<string, FieldValue>, channel: MessageChannel): MessageData {
  const out: MessageData = {};
  for (const [key, raw] of Object.entries(fields)) {
    if (HIDDEN_KEYS.has(key)) continue;
    out[key] = { value: formatField(key, raw, channel) };
  }
  return out;
}
