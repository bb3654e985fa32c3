import { AppConfigResponseSchema, type AppConfigResponse } from '../../../domain/api/app-config'
import { api } from './api-client'

/**
 * GET /api/app-config (customer-service contacts, whether development tools are
 * on), loaded once per app start and shared by the pages that show it.
 */
let cached: Promise<AppConfigResponse> | undefined

export function loadAppConfig(): Promise<AppConfigResponse> {
  if (!cached) {
    cached = api.get('/api/app-config', AppConfigResponseSchema)
    cached.catch(() => {
      cached = undefined // try again next time
    })
  }
  return cached
}
