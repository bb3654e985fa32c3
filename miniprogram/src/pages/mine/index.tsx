import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro, { useDidShow, usePullDownRefresh } from '@tarojs/taro'
import { CellGroup } from '@nutui/nutui-react-taro'
import '@nutui/nutui-react-taro/dist/es/packages/cellgroup/style/css'
import type { AppConfigResponse } from '../../../../domain/api/app-config'
import { ACCOUNT_ROLE_LABELS, FAMILY_ROLES } from '../../../../domain/api/account'
import SubmitButton from '../../components/SubmitButton'
import { toAppError } from '../../hooks/useFormErrors'
import { useSubmit } from '../../hooks/useSubmit'
import { loadAppConfig } from '../../services/app-config'
import { bindWechat } from '../../services/auth'
import { PAGES, openLogin, openPage } from '../../services/navigation'
import { logout, refreshAccount, useSession } from '../../services/session'
import AuthEntries from './AuthEntries'
import CardEntries from './CardEntries'
import { entryCell } from './EntryCell'
import NoticeEntries from './NoticeEntries'
import PrivacyPopup from '../../components/PrivacyPopup'
import './index.scss'

const isWeapp = process.env.TARO_ENV === 'weapp'
const FAMILY: ReadonlySet<string> = new Set(FAMILY_ROLES)

/**
 * Outside the mini-program there is no wx.login code to bind with (and no
 * official-account sign-in in this build): say honestly where binding happens.
 */
function explainWechatBinding() {
  void Taro.showModal({
    title: '在微信小程序中绑定',
    content: '网页端无法绑定微信。请在微信中搜索并打开「教育卡」小程序，用同一账号登录后，在「我的」中点击「绑定微信」。绑定后可一键登录，并通过微信接收审核结果和班级通知。',
    showCancel: false,
    confirmText: '知道了',
  })
}

/** The development inbox page is in this build (never in a weapp release). */
const hasDevInbox = process.env.TARO_APP_DEV_INBOX === '1'

function copy(label: string, value: string) {
  void Taro.setClipboardData({ data: value }).then(() => {
    void Taro.showToast({ title: `${label}已复制`, icon: 'none' })
  })
}

/**
 * 我的: the signed-in account (masked), links to 修改密码 / 退出登录 / (weapp)
 * 绑定微信, the customer-service contacts of /api/app-config, the two policy
 * texts, and (outside production only) the development inbox.
 */
export default function MinePage() {
  const session = useSession()
  const [config, setConfig] = useState<AppConfigResponse>()

  const reload = async () => {
    await Promise.all([
      refreshAccount().catch((err) => {
        const error = toAppError(err)
        if (error.status !== 401) void Taro.showToast({ title: error.message, icon: 'none' })
      }),
      loadAppConfig()
        .then(setConfig)
        .catch(() => undefined),
    ])
  }

  useDidShow(() => {
    void reload()
  })
  usePullDownRefresh(() => {
    void reload().finally(() => Taro.stopPullDownRefresh())
  })

  const [loggingOut, doLogout] = useSubmit(async () => {
    const { confirm } = await Taro.showModal({
      title: '退出登录',
      content: '确定要退出当前账号吗？',
      confirmText: '退出',
      confirmColor: '#fa5151',
    })
    if (!confirm) return
    await logout()
    void Taro.showToast({ title: '已退出登录', icon: 'none' })
  })

  const [, doBindWechat] = useSubmit(async () => {
    try {
      const { code } = await Taro.login()
      await bindWechat(code)
      await refreshAccount()
      void Taro.showToast({ title: '已绑定微信', icon: 'success' })
    } catch (err) {
      void Taro.showToast({ title: toAppError(err).message, icon: 'none' })
    }
  })

  const account = session.account
  const name = account?.displayName || account?.username || ''
  const support = config?.support

  return (
    <View className='page mine-page'>
      <PrivacyPopup />
      <View className='mine-header'>
        {session.signedIn ? (
          <View className='mine-profile' data-testid='mine-profile'>
            <View className='mine-profile__avatar'>
              <Text>{name ? [...name][0]!.toUpperCase() : ''}</Text>
            </View>
            <View className='mine-profile__info'>
              <View className='mine-profile__line'>
                <Text className='mine-profile__name' data-testid='mine-name'>
                  {account ? name || '未设置用户名' : '加载中…'}
                </Text>
                {account && (
                  <Text className='mine-profile__role' data-testid='mine-role'>
                    {ACCOUNT_ROLE_LABELS[account.role]}
                  </Text>
                )}
              </View>
              <Text className='mine-profile__phone'>{account?.phoneMasked ? `手机号 ${account.phoneMasked}` : ''}</Text>
            </View>
          </View>
        ) : (
          <View className='mine-guest' data-testid='mine-guest'>
            <View className='mine-profile__avatar mine-profile__avatar--guest'>
              <Text>教</Text>
            </View>
            <View className='mine-profile__info'>
              <Text className='mine-profile__name'>未登录</Text>
              <Text className='mine-profile__phone'>登录后办理学生身份认证</Text>
            </View>
          </View>
        )}
      </View>

      <View className='mine-body'>
        {!session.signedIn && (
          <View className='mine-guest-actions'>
            <SubmitButton name='mine-login' loading={false} onClick={() => void openLogin()}>
              登录
            </SubmitButton>
            <SubmitButton name='mine-register' fill='outline' loading={false} onClick={() => void openPage(PAGES.register)}>
              注册账号
            </SubmitButton>
          </View>
        )}

        {session.signedIn && account && (
          <CellGroup className='mine-group' title='账号信息'>
            {entryCell({ key: 'username', title: '用户名', value: account.username ?? '—' })}
            {entryCell({ key: 'role', title: '身份', value: ACCOUNT_ROLE_LABELS[account.role] })}
            {entryCell({ key: 'phone', title: '手机号', value: account.phoneMasked ?? '未绑定' })}
            {isWeapp
              ? entryCell({
                  key: 'wechat',
                  title: account.wechatBound ? '微信' : '绑定微信',
                  value: account.wechatBound ? '已绑定' : '绑定后可一键登录',
                  link: !account.wechatBound,
                  onClick: account.wechatBound ? undefined : doBindWechat,
                })
              : entryCell({
                  key: 'wechat',
                  title: '微信',
                  value: account.wechatBound ? '已绑定' : '未绑定',
                  link: !account.wechatBound,
                  onClick: account.wechatBound ? undefined : explainWechatBinding,
                })}
          </CellGroup>
        )}

        {session.signedIn && <AuthEntries account={account} />}

        {session.signedIn && <CardEntries account={account} />}

        {session.signedIn && <NoticeEntries account={account} />}

        {session.signedIn && (
          <CellGroup className='mine-group'>
            {entryCell({ key: 'change-password', title: '修改密码', link: true, onClick: () => void openPage(PAGES.changePassword) })}
            {entryCell({ key: 'change-phone', title: '更换手机号', link: true, onClick: () => void openPage(PAGES.changePhone) })}
          </CellGroup>
        )}

        {session.signedIn && account && (
          <CellGroup className='mine-group' title='个人信息与隐私'>
            {entryCell({ key: 'my-data', title: '我的数据', value: '查看并保存', link: true, onClick: () => void openPage(PAGES.myData) })}
            {FAMILY.has(account.role) &&
              entryCell({ key: 'account-cancel', title: '注销账号', value: '删除资料并撤销电子卡', link: true, onClick: () => void openPage(PAGES.accountCancel) })}
          </CellGroup>
        )}

        <CellGroup className='mine-group' title='客服与帮助'>
          {entryCell({
            key: 'hotline',
            title: '客服热线',
            value: support?.hotline ?? '—',
            link: Boolean(support),
            // weapp: the call sheet; H5: a tel: link
            onClick: support ? () => void Taro.makePhoneCall({ phoneNumber: support.hotline }).catch(() => undefined) : undefined,
          })}
          {entryCell({
            key: 'email',
            title: '服务邮箱',
            value: support?.email ?? '—',
            onClick: support ? () => copy('服务邮箱', support.email) : undefined,
          })}
          {entryCell({
            key: 'qq',
            title: '客服 QQ',
            value: support?.qq ?? '—',
            onClick: support ? () => copy('客服 QQ', support.qq) : undefined,
          })}
          {entryCell({ key: 'privacy-policy', title: '隐私政策', link: true, onClick: () => void openPage(PAGES.privacyPolicy) })}
          {entryCell({
            key: 'children-rules',
            title: '儿童个人信息保护规则',
            link: true,
            onClick: () => void openPage(PAGES.childrenRules),
          })}
        </CellGroup>

        {config?.devTools && hasDevInbox && (
          <CellGroup className='mine-group' title='开发工具'>
            {entryCell({ key: 'dev-inbox', title: '开发收件箱', value: '短信与微信消息', link: true, onClick: () => void openPage(PAGES.devInbox) })}
          </CellGroup>
        )}

        {session.signedIn && (
          <View className='mine-logout btn-logout' onClick={doLogout} data-testid='logout'>
            <Text>{loggingOut ? '正在退出…' : '退出登录'}</Text>
          </View>
        )}
      </View>
    </View>
  )
}
