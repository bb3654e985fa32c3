import dayjs from 'dayjs';

/** "3 天前" style waiting time, with the exact Beijing time for a tooltip. */
export function waitingSince(iso: string | null): { text: string; exact: string } | null {
  if (!iso) return null;
  const d = dayjs(iso);
  return { text: d.fromNow(), exact: d.format('YYYY-MM-DD HH:mm') };
}

export function percent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  return `${Math.round((part / whole) * 1000) / 10}%`;
}
