import { useCallback, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, useRouter } from '@tarojs/taro'
import type { CommCardProduct, CommCardView, OrderStatus, OrderView } from '../../../../domain/api/comm-card'
import Field from '../../components/Field'
import FormNotice from '../../components/FormNotice'
import SmsCodeButton from '../../components/SmsCodeButton'
import SubmitButton from '../../components/SubmitButton'
import { toAppError, useFormErrors } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { CAN_PAY, bindPhone, createOrder, getCommCard, listProducts, requestPayment, unbindCard } from '../../services/comm-card'
import { pageParam } from '../../services/navigation'
import { formatChinaDateTime } from '../../utils/format'
import './index.scss'

type Option = 'bind' | 'order'

const OPTIONS: Array<{ key: Option; label: string; desc: string }> = [
  { key: 'bind', label: '绑定已有通讯卡', desc: '已持有的通讯卡' },
  { key: 'order', label: '办理配套通讯卡', desc: '与电子卡配套的校园卡' },
]

/** Orders the family can still pay. */
const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['created', 'paying'])
/** Orders that hold a card (a new order would be refused with ORDER_ALREADY_PAID). */
const HOLDING_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['paid', 'refunding', 'flagged'])

const BIND_FIELDS = ['cardNumber', 'phone', 'smsCode'] as const

function OrderItem({ order, onPay, paying }: { order: OrderView; onPay: (productId: string) => void; paying: boolean }) {
  const open = OPEN_STATUSES.has(order.status)
  return (
    <View className='order' data-testid='order' data-status={order.status} data-out-trade-no={order.outTradeNo}>
      <View className='order__line'>
        <Text className='order__title'>{order.description}</Text>
        <Text className={`order__status order__status--${order.status}`} data-testid='order-status'>
          {order.statusLabel}
        </Text>
      </View>
      <View className='order__line order__line--meta'>
        <Text className='order__meta'>订单号 {order.outTradeNo}</Text>
        <Text className='order__amount'>¥{order.amountText}</Text>
      </View>
      <View className='order__line order__line--meta'>
        <Text className='order__meta'>
          {order.paidAt ? `支付时间 ${formatChinaDateTime(order.paidAt)}` : `下单时间 ${formatChinaDateTime(order.createdAt)}`}
        </Text>
        {open && CAN_PAY && (
          <View className='order__pay btn-order-pay' onClick={() => !paying && onPay(order.productId)}>
            <Text>{paying ? '请稍候…' : '去支付'}</Text>
          </View>
        )}
      </View>
      {open && !CAN_PAY && <Text className='order__hint'>请在微信小程序中完成支付，超时未支付的订单将自动关闭。</Text>}
      {order.status === 'flagged' && <Text className='order__hint'>支付信息正在人工核对，如有疑问请联系客服。</Text>}
    </View>
  )
}

/**
 * 通讯卡 (voluntary): bind a communication card the family already holds
 * (its printed number and its mobile number, SMS code of purpose bind_phone),
 * unbind it, or order the companion card, paid with WeChat Pay inside the
 * mini-program. H5 cannot pay (WeChat Pay's JSAPI exists only in WeChat): it
 * says so and offers no order, rather than leaving a dead end; the student's
 * orders with their status.
 */
export default function CommCardPage() {
  const router = useRouter()
  const studentId = pageParam(router.params, 'studentId')
  const [option, setOption] = useState<Option>('bind')
  const [view, setView] = useState<CommCardView>()
  const [products, setProducts] = useState<CommCardProduct[]>([])
  const [loadError, setLoadError] = useState<string>()
  const [cardNumber, setCardNumber] = useState('')
  const [phone, setPhone] = useState('')
  const [smsCode, setSmsCode] = useState('')
  const [orderNotice, setOrderNotice] = useState<{ message: string; tone: 'info' | 'error' }>()
  const form = useFormErrors(BIND_FIELDS)

  const reload = useCallback(async () => {
    if (!studentId) return
    try {
      const [card, list] = await Promise.all([getCommCard(studentId), listProducts()])
      setView(card)
      setProducts(list)
      setLoadError(undefined)
    } catch (err) {
      setLoadError(toAppError(err).message)
    }
  }, [studentId])

  useDidShow(() => {
    void reload()
  })

  const [binding, bind] = useSubmit(async () => {
    form.clear()
    try {
      const next = await bindPhone(studentId!, { cardNumber, phone, smsCode })
      setView(next)
      setCardNumber('')
      setPhone('')
      setSmsCode('')
      void Taro.showToast({ title: '通讯卡已绑定', icon: 'success' })
    } catch (err) {
      form.show(err)
    }
  })

  const [unbinding, unbind] = useSubmit(async () => {
    const { confirm } = await Taro.showModal({
      title: '解绑通讯卡',
      content: '解绑后该通讯卡不再与电子教育卡关联，可随时重新绑定。确定解绑吗？',
      confirmText: '解绑',
      confirmColor: '#fa5151',
    })
    if (!confirm) return
    try {
      setView(await unbindCard(studentId!))
      void Taro.showToast({ title: '已解绑', icon: 'none' })
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none' })
    }
  })

  const [ordering, order] = useSubmit(async (productId: string) => {
    setOrderNotice(undefined)
    try {
      const created = await createOrder(studentId!, productId)
      const paid = await requestPayment(created.payment)
      if (paid.outcome === 'paid') void Taro.showToast({ title: '支付成功', icon: 'success' })
      else if (paid.outcome === 'cancelled') void Taro.showToast({ title: '已取消支付，可在订单中继续支付', icon: 'none' })
      else void Taro.showToast({ title: '支付未完成，请稍后在订单中重试', icon: 'none' })
      await reload()
    } catch (err) {
      const message = toAppError(err).message
      setOrderNotice({ tone: 'error', message })
      void Taro.showToast({ title: message, icon: 'none' })
    }
  })

  if (!studentId) {
    return (
      <View className='page comm-card-page'>
        <FormNotice message='缺少学生信息，请从「我的」进入通讯卡。' />
      </View>
    )
  }

  const orders = view?.orders ?? []
  const holding = orders.some((o) => HOLDING_STATUSES.has(o.status))

  return (
    <View className='page comm-card-page'>
      <View className='comm-intro'>
        <Text className='comm-intro__title'>通讯卡 · 自愿选用</Text>
        <Text className='comm-intro__desc'>
          电子教育卡可关联一张通讯卡，用于校园亲情通话与消息提醒。通讯卡为自愿选用：可以绑定已持有的通讯卡，也可以办理配套通讯卡；不选用不影响电子教育卡的使用。
        </Text>
      </View>

      {loadError && <FormNotice message={loadError} testId='comm-card-error' />}

      {view?.binding && (
        <View className='comm-bound' data-testid='comm-binding'>
          <Text className='comm-bound__label'>已绑定通讯卡</Text>
          {view.binding.cardNumberMasked && (
            <Text className='comm-bound__card' data-testid='comm-binding-card'>
              卡号 {view.binding.cardNumberMasked}
            </Text>
          )}
          <Text className='comm-bound__phone' data-testid='comm-binding-phone'>
            {view.binding.phoneMasked}
          </Text>
          <Text className='comm-bound__time'>绑定于 {formatChinaDateTime(view.binding.boundAt)}</Text>
          <Text className='comm-bound__unbind link btn-unbind' onClick={() => !unbinding && unbind()}>
            {unbinding ? '请稍候…' : '解绑'}
          </Text>
        </View>
      )}

      <View className='comm-options' data-testid='comm-options'>
        {OPTIONS.map((item) => (
          <View
            key={item.key}
            className={`comm-options__item option-${item.key}${option === item.key ? ' comm-options__item--active' : ''}`}
            onClick={() => setOption(item.key)}
          >
            <Text className='comm-options__label'>{item.label}</Text>
            <Text className='comm-options__desc'>{item.desc}</Text>
          </View>
        ))}
      </View>

      {option === 'bind' ? (
        <View data-testid='comm-bind'>
          <View className='form-card'>
            <Field
              name='cardNumber'
              label='通讯卡卡号'
              type='number'
              maxLength={24}
              placeholder='卡片背面 19–20 位卡号'
              value={cardNumber}
              error={form.errors.cardNumber}
              onChange={(v) => {
                setCardNumber(v)
                form.clear('cardNumber')
              }}
            />
            <Field
              name='phone'
              label='卡内号码'
              type='number'
              maxLength={11}
              placeholder='该通讯卡的手机号码'
              value={phone}
              error={form.errors.phone}
              onChange={(v) => {
                setPhone(v)
                form.clear('phone')
              }}
              extra={<SmsCodeButton phone={phone} purpose='bind_phone' onError={form.show} />}
            />
            <Field
              name='smsCode'
              label='验证码'
              type='number'
              maxLength={6}
              placeholder='6 位短信验证码'
              value={smsCode}
              error={form.errors.smsCode}
              onChange={(v) => {
                setSmsCode(v)
                form.clear('smsCode')
              }}
            />
          </View>
          <FormNotice message={form.notice} />
          <SubmitButton name='bind-phone' loading={binding} onClick={bind}>
            {view?.binding ? '更换绑定的通讯卡' : '绑定通讯卡'}
          </SubmitButton>
          <Text className='tips'>验证码将发送到通讯卡内的号码（在学生的通讯设备上查看），验证通过后该卡即与电子教育卡关联。</Text>
        </View>
      ) : (
        <View data-testid='comm-order'>
          {!CAN_PAY && (
            <FormNotice
              tone='info'
              message='网页端无法办理：配套通讯卡需用微信支付，而微信支付只能在微信小程序内完成。请在微信中搜索打开「教育卡」小程序，用同一账号登录后在本页办理。'
              testId='comm-pay-in-wechat'
            />
          )}
          {products.map((product) => (
            <View key={product.id} className='product' data-testid='product' data-product-id={product.id}>
              <View className='product__head'>
                <Text className='product__name'>{product.name}</Text>
                <Text className='product__price' data-testid='product-price'>
                  <Text className='product__currency'>¥</Text>
                  {product.priceText}
                </Text>
              </View>
              <Text className='product__desc'>{product.description}</Text>
              {CAN_PAY ? (
                <SubmitButton name={`order-${product.id}`} loading={ordering} disabled={holding} onClick={() => order(product.id)}>
                  {holding ? '已办理' : '立即办理'}
                </SubmitButton>
              ) : (
                <SubmitButton name={`order-${product.id}`} loading={false} disabled onClick={() => undefined}>
                  {holding ? '已办理' : '请在微信小程序中办理'}
                </SubmitButton>
              )}
            </View>
          ))}
          {orderNotice && <FormNotice tone={orderNotice.tone} message={orderNotice.message} testId='order-notice' />}
        </View>
      )}

      {orders.length > 0 && (
        <View className='orders' data-testid='orders'>
          <Text className='section-title'>我的订单</Text>
          {orders.map((o) => (
            <OrderItem key={o.id} order={o} paying={ordering} onPay={order} />
          ))}
        </View>
      )}
    </View>
  )
}
