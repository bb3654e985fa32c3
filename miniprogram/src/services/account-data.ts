import {
  CancelAccountRequestSchema,
  CancelAccountResponseSchema,
  DataExportSchema,
  type CancelAccountResponse,
  type DataExport,
} from '../../../domain/api/account-data'
import { SendSmsCodeResponseSchema } from '../../../domain/api/auth'
import { api } from './api-client'
import { checkForm } from './auth'
import { clearSession } from './session'

/**
 * 我的数据 and 注销账号 (domain/api/account-data.ts is the contract): the copy
 * of the family's data, the cancellation code to the bound phone, and the
 * cancellation itself, after which this device is signed out (the server
 * revoked every session).
 */

export function exportMyData(): Promise<DataExport> {
  return api.get('/api/me/data-export', DataExportSchema)
}

export function sendCancellationCode() {
  return api.post('/api/me/cancellation/code', {}, SendSmsCodeResponseSchema)
}

export async function cancelAccount(input: { password: string; smsCode: string }): Promise<CancelAccountResponse> {
  const body = checkForm(CancelAccountRequestSchema, input)
  const result = await api.post('/api/me/cancellation', body, CancelAccountResponseSchema)
  clearSession()
  return result
}
