import Taro from '@tarojs/taro'
import {
  BindPhoneRequestSchema,
  CommCardProductsSchema,
  CommCardViewSchema,
  CreateOrderRequestSchema,
  CreateOrderResponseSchema,
  type BindPhoneRequest,
  type CommCardProduct,
  type CommCardView,
  type CreateOrderResponse,
  type RequestPayment,
} from '../../../domain/api/comm-card'
import { api } from './api-client'
import { checkForm, checkRequest } from './auth'

/**
 * The communication card (domain/api/comm-card.ts is the contract): products,
 * the student's binding and orders, binding an existing number by SMS code,
 * ordering the companion card, and paying it with WeChat Pay (weapp only).
 */

const enc = encodeURIComponent

/** Payment runs only inside the WeChat mini-program; H5 explains that. */
export const CAN_PAY = process.env.TARO_ENV === 'weapp'

export async function listProducts(): Promise<CommCardProduct[]> {
  const { products } = await api.get('/api/comm-card/products', CommCardProductsSchema)
  return products
}

export function getCommCard(studentId: string): Promise<CommCardView> {
  return api.get(`/api/students/${enc(studentId)}/comm-card`, CommCardViewSchema)
}

/** Checks the form with the contract schema (field errors keyed 'body.cardNumber', 'body.phone', 'body.smsCode'), then binds the card. */
export function bindPhone(studentId: string, input: { cardNumber: string; phone: string; smsCode: string }): Promise<CommCardView> {
  const body: BindPhoneRequest = checkForm(BindPhoneRequestSchema, input)
  return api.post(`/api/students/${enc(studentId)}/comm-card/bind`, body, CommCardViewSchema)
}

/** Unbinds the student's communication card. */
export function unbindCard(studentId: string): Promise<CommCardView> {
  return api.delete(`/api/students/${enc(studentId)}/comm-card/binding`, CommCardViewSchema)
}

/** Creates the order (or gets the open one back) with its wx.requestPayment parameters. */
export function createOrder(studentId: string, productId: string): Promise<CreateOrderResponse> {
  const body = checkRequest(CreateOrderRequestSchema, { productId })
  return api.post(`/api/students/${enc(studentId)}/comm-card/orders`, body, CreateOrderResponseSchema)
}

export type PaymentOutcome = 'paid' | 'cancelled' | 'failed'

/**
 * weapp: opens WeChat Pay with the server's parameters (paySign was computed on
 * the server). 'paid' means the user finished in WeChat; the order becomes 已支付
 * when the server has the payment notification, so the caller reloads the list.
 */
export async function requestPayment(payment: RequestPayment): Promise<{ outcome: PaymentOutcome; message?: string }> {
  try {
    await Taro.requestPayment({
      timeStamp: payment.timeStamp,
      nonceStr: payment.nonceStr,
      package: payment.package,
      signType: payment.signType,
      paySign: payment.paySign,
    })
    return { outcome: 'paid' }
  } catch (err) {
    const message = (err as { errMsg?: string } | undefined)?.errMsg ?? ''
    if (/cancel/i.test(message)) return { outcome: 'cancelled' }
    return { outcome: 'failed', message }
  }
}
