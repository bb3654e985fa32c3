import { PRIVACY_POLICY_VERSION } from '../../../../domain/api/auth'
import PolicyText from '../../components/PolicyText'
import { PRIVACY_INTRO, privacySections } from './content'

/** 隐私政策 (text version PRIVACY_POLICY_VERSION, recorded with the agreement at registration). */
export default function PrivacyPolicyPage() {
  return <PolicyText title='教育卡隐私政策' version={PRIVACY_POLICY_VERSION} intro={PRIVACY_INTRO} sections={privacySections} />
}
