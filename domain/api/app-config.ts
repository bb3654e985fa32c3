import { z } from 'zod';

/** GET /api/app-config: public settings the pages show (customer service contacts, environment). */
export const AppConfigResponseSchema = z.object({
  support: z.object({ hotline: z.string(), email: z.string(), qq: z.string() }),
  /** True outside production: the pages may link to the development inbox. */
  devTools: z.boolean(),
  /** Days between asking to cancel the account (注销) and the erasure; 0: at once. */
  accountCancelCoolOffDays: z.number().int(),
});
export type AppConfigResponse = z.infer<typeof AppConfigResponseSchema>;
