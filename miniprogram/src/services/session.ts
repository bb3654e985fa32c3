import { useEffect, useState } from 'react'
import Taro from '@tarojs/taro'
import { z } from 'zod'
import { AccountViewSchema, type AccountView, type SessionResponse } from '../../../domain/api/account'
import { AppError } from '../../../domain/errors'
import { SESSION_STORAGE_KEY, api, onAuthFailure } from './api-client'
import { LOGIN_PAGE, currentPageUrl, isTabPage, openLogin } from './navigation'

/**
 * The session of the signed-in user: the bearer token in storage (key
 * 'educard.session', which the API client reads), the current account as
 * GET /api/me returns it, sign-out, and what happens when the server no longer
 * accepts the token (401 UNAUTHENTICATED / SESSION_EXPIRED): the token is
 * dropped and the login page opens, remembering the page to come back to.
 *
 * A tiny store: pages read it with `useSession()` and refresh it with
 * `refreshAccount()` (e.g. in useDidShow).
 */

export interface SessionState {
  /** A token is stored (the account may not be loaded yet). */
  signedIn: boolean
  /** The account, once GET /api/me answered; undefined while unknown. */
  account: AccountView | undefined
}

/** GET /api/me answers the account itself; `{ account }` is accepted as well. */
const MeResponseSchema = z.union([
  AccountViewSchema,
  z.object({ account: AccountViewSchema }).transform((body) => body.account),
])

let state: SessionState = { signedIn: readToken() !== undefined, account: undefined }
const listeners = new Set<(s: SessionState) => void>()

function setState(next: SessionState): void {
  state = next
  for (const listener of listeners) listener(state)
}

function readToken(): string | undefined {
  try {
    const token: unknown = Taro.getStorageSync(SESSION_STORAGE_KEY)
    return typeof token === 'string' && token !== '' ? token : undefined
  } catch {
    return undefined
  }
}

export function getSessionState(): SessionState {
  return state
}

export function isSignedIn(): boolean {
  return readToken() !== undefined
}

/** Stores the token of a new session (login, registration, activation) with its account. */
export function startSession(session: SessionResponse): void {
  Taro.setStorageSync(SESSION_STORAGE_KEY, session.token)
  setState({ signedIn: true, account: session.account })
}

/** Forgets the token and the account (no request). */
export function clearSession(): void {
  try {
    Taro.removeStorageSync(SESSION_STORAGE_KEY)
  } catch {
    // storage unavailable: nothing to remove
  }
  setState({ signedIn: false, account: undefined })
}

let accountRequest: Promise<AccountView | undefined> | undefined

/**
 * Loads the current account (GET /api/me). Resolves undefined when signed out;
 * a rejected token clears the session (through the auth-failure listener).
 * Concurrent callers share one request.
 */
export function refreshAccount(): Promise<AccountView | undefined> {
  if (!isSignedIn()) {
    if (state.signedIn) setState({ signedIn: false, account: undefined })
    return Promise.resolve(undefined)
  }
  if (accountRequest) return accountRequest
  accountRequest = api
    .get('/api/me', MeResponseSchema)
    .then((account) => {
      if (isSignedIn()) setState({ signedIn: true, account })
      return account
    })
    .finally(() => {
      accountRequest = undefined
    })
  return accountRequest
}

let loggingOut = false

/** Signs out on the server (POST /api/auth/logout) and locally; local sign-out happens even if the request fails. */
export async function logout(): Promise<void> {
  loggingOut = true
  try {
    if (isSignedIn()) await api.post('/api/auth/logout', {})
  } catch {
    // the token is dropped below anyway
  } finally {
    loggingOut = false
    clearSession()
  }
}

/** React binding: the current session state, updated on every change. */
export function useSession(): SessionState {
  const [value, setValue] = useState(state)
  useEffect(() => {
    listeners.add(setValue)
    setValue(state)
    return () => {
      listeners.delete(setValue)
    }
  }, [])
  return value
}

let redirecting = false

/**
 * Installs the reaction to a rejected token: clear the session, tell the user,
 * and (except on the tab pages, which show their signed-out view) open the
 * login page with the current page as the place to come back to.
 * Called once from app.ts.
 */
export function installSessionGuard(): void {
  onAuthFailure((error: AppError) => {
    clearSession()
    if (loggingOut || redirecting) return
    const here = currentPageUrl()
    if (here.startsWith(LOGIN_PAGE)) return
    void Taro.showToast({ title: error.message, icon: 'none', duration: 2000 })
    // Tab pages (首页, 我的) have a signed-out view of their own: stay there.
    if (isTabPage(here)) return
    redirecting = true
    openLogin({ redirect: here, replace: true }).finally(() => {
      redirecting = false
    })
  })
}
