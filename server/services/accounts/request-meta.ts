/** What the accounts use cases record about the request that asked for them. */
export interface RequestMeta {
  /** Client IP (koa's ctx.ip: X-Forwarded-For only when TRUST_PROXY is on). */
  ip: string;
  requestId: string;
  userAgent: string | null;
}
