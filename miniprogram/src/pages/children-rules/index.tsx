import { CHILDREN_RULES_VERSION } from '../../../../domain/api/auth'
import PolicyText from '../../components/PolicyText'
import { CHILDREN_INTRO, childrenSections } from './content'

/** 儿童个人信息保护规则 (text version CHILDREN_RULES_VERSION, recorded with the agreement at registration). */
export default function ChildrenRulesPage() {
  return (
    <PolicyText title='儿童个人信息保护规则' version={CHILDREN_RULES_VERSION} intro={CHILDREN_INTRO} sections={childrenSections} />
  )
}
