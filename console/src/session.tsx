/**
 * The signed-in console account for the pages: loaded from GET
 * /api/console/me when a stored session exists, cleared when the server ends
 * the session (401: idle timeout, absolute limit, sign-out elsewhere).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ConsoleMeResponseSchema, ConsoleOkResponseSchema, type ConsoleMeResponse } from '../../domain/api/console';
import { api, onSessionEnd, sessionStore } from './api/client';

interface SessionState {
  me: ConsoleMeResponse | null;
  loading: boolean;
  /** Why the last session ended (shown on the sign-in page). */
  endedBecause: string | null;
  refresh(): Promise<ConsoleMeResponse | null>;
  signedIn(token: string, expiresAt: string): Promise<ConsoleMeResponse | null>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<ConsoleMeResponse | null>(null);
  const [loading, setLoading] = useState(true);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    if (!sessionStore.get()) {
      setMe(null);
      setLoading(false);
      return null;
    }
    try {
      const next = await api.get('/api/console/me', ConsoleMeResponseSchema);
      setMe(next);
      return next;
    } catch {
      setMe(null);
      return null;
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onSessionEnd((error) => {
      setMe(null);
      setEndedBecause(error.code === 'SESSION_EXPIRED' ? '登录已超时，请重新登录' : error.message);
    });
  }, [refresh]);

  const value = useMemo<SessionState>(
    () => ({
      me,
      loading,
      endedBecause,
      refresh,
      async signedIn(token, expiresAt) {
        sessionStore.set({ token, expiresAt });
        setEndedBecause(null);
        return refresh();
      },
      async signOut() {
        try {
          await api.post('/api/console/auth/logout', ConsoleOkResponseSchema);
        } catch {
          // The session may be gone already; signing out locally is what matters here.
        }
        sessionStore.clear();
        setMe(null);
      },
    }),
    [me, loading, endedBecause, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}
