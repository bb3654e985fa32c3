import { Text, View } from '@tarojs/components'
import SubmitButton from '../../components/SubmitButton'
import { PAGES, openLogin, openPage } from '../../services/navigation'
import { useSession } from '../../services/session'

/** 注册账号 / 登录 for visitors; 我的 for a signed-in user. */
export default function AccountEntry() {
  const session = useSession()
  const name = session.account?.displayName || session.account?.username
  const role = session.account?.role
  return (
    <View className='card account-entry' data-testid='account-entry'>
      {session.signedIn ? (
        <>
          <Text className='account-entry__title'>{name ? `${name}，欢迎回来` : '欢迎回来'}</Text>
          {role === 'parent' || role === 'student' ? (
            <>
              <Text className='account-entry__desc'>
                {role === 'student'
                  ? '填写本人信息、查看审核进度、电子教育卡和班级公告作业。'
                  : '为孩子填写信息、查看审核进度、电子教育卡和班级公告作业。'}
              </Text>
              <SubmitButton name='home-students' loading={false} onClick={() => void openPage(PAGES.students)}>
                我的学生
              </SubmitButton>
              <SubmitButton name='home-notices' fill='outline' loading={false} onClick={() => void openPage(PAGES.notices)}>
                公告作业
              </SubmitButton>
            </>
          ) : role === 'teacher' || role === 'school_admin' ? (
            <>
              <Text className='account-entry__desc'>
                {role === 'school_admin'
                  ? '审核本校学生的身份认证资料，向本校班级发布通知和作业。'
                  : '审核本班学生的身份认证资料，发布班级通知和作业。'}
              </Text>
              <SubmitButton name='home-reviews' loading={false} onClick={() => void openPage(PAGES.reviews)}>
                审核工作台
              </SubmitButton>
              <View className='account-entry__actions'>
                <View className='account-entry__action'>
                  <SubmitButton name='home-notice-compose' fill='outline' loading={false} onClick={() => void openPage(PAGES.noticeCompose)}>
                    发布通知
                  </SubmitButton>
                </View>
                <View className='account-entry__action'>
                  <SubmitButton name='home-notices-sent' fill='outline' loading={false} onClick={() => void openPage(PAGES.notices)}>
                    已发通知
                  </SubmitButton>
                </View>
              </View>
            </>
          ) : (
            <>
              <Text className='account-entry__desc'>在“我的”中查看账号信息、修改密码。</Text>
              <SubmitButton name='home-mine' loading={false} onClick={() => void openPage(PAGES.mine)}>
                我的
              </SubmitButton>
            </>
          )}
        </>
      ) : (
        <>
          <Text className='account-entry__title'>开始学生身份认证</Text>
          <Text className='account-entry__desc'>家长或学生注册账号后，按步骤填写信息即可。</Text>
          <View className='account-entry__actions'>
            <View className='account-entry__action'>
              <SubmitButton name='home-register' loading={false} onClick={() => void openPage(PAGES.register)}>
                注册账号
              </SubmitButton>
            </View>
            <View className='account-entry__action'>
              <SubmitButton name='home-login' fill='outline' loading={false} onClick={() => void openLogin()}>
                登录
              </SubmitButton>
            </View>
          </View>
        </>
      )}
    </View>
  )
}
