/** What the accounts use cases record about the request that asked for them. */
export interface RequestMeta {
  /** Client IP (koa's ctx.ip: the TRUST_PROXY-th entry from the right of X-Forwarded-For, or the socket's address). */
  ip: string;
  requestId: string;
  userAgent: string | null;
}
