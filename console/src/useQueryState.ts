import { useSearchParams } from 'react-router-dom';

/**
 * A list page's filters, sort and page in the URL (bookmarkable, kept on back):
 * the current parameters, and `update` to set some (an empty or undefined
 * value removes it) without a new history entry.
 */
export function useQueryState(): [URLSearchParams, (changes: Record<string, string | undefined>) => void] {
  const [params, setParams] = useSearchParams();
  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) if (v === undefined || v === '') next.delete(k);
    else next.set(k, v);
    setParams(next, { replace: true });
  };
  return [params, update];
}
