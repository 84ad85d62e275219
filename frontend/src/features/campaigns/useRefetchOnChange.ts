import { useEffect, useRef } from 'react';

const MIN_GAP_MS = 2_000;

/** Calls `refetch` when `key` changes, no more often than every few seconds (the last change wins). */
export function useRefetchOnChange(key: string, refetch: () => unknown): void {
  const last = useRef(0);
  const first = useRef(key);
  useEffect(() => {
    if (key === first.current) return;
    const wait = Math.max(0, last.current + MIN_GAP_MS - Date.now());
    const timer = setTimeout(() => {
      last.current = Date.now();
      refetch();
    }, wait);
    return () => clearTimeout(timer);
  }, [key, refetch]);
}
