import { useEffect, useState } from 'react'
import { Text, View } from '@tarojs/components'
import type { AppConfigResponse } from '../../../../domain/api/app-config'
import { loadAppConfig } from '../../services/app-config'
import './index.scss'

export interface PolicySection {
  title: string
  paragraphs: string[]
}

export type SupportContacts = AppConfigResponse['support'] | undefined

interface Props {
  title: string
  version: string
  /** The sections, given the customer-service contacts of /api/app-config (undefined while loading). */
  sections: (support: SupportContacts) => PolicySection[]
  intro: string
}

/** A policy text, rendered as plain text (no HTML), with its version and effective date. */
export default function PolicyText({ title, version, sections, intro }: Props) {
  const [support, setSupport] = useState<SupportContacts>()
  useEffect(() => {
    loadAppConfig()
      .then((config) => setSupport(config.support))
      .catch(() => undefined)
  }, [])

  return (
    <View className='page policy-page'>
      <View className='policy'>
        <Text className='policy__title'>{title}</Text>
        <Text className='policy__version' data-testid='policy-version'>
          版本：{version}　生效日期：{version}
        </Text>
        <Text className='policy__intro'>{intro}</Text>
        {sections(support).map((section) => (
          <View className='policy__section' key={section.title}>
            <Text className='policy__heading'>{section.title}</Text>
            {section.paragraphs.map((p, i) => (
              <Text className='policy__paragraph' key={i}>
                {p}
              </Text>
            ))}
          </View>
        ))}
      </View>
    </View>
  )
}

/** "客服热线 400-…；服务邮箱 …；客服 QQ …" or a pointer to 我的 while not loaded. */
export function contactLine(support: SupportContacts): string {
  if (!support) return '客服热线、服务邮箱和客服 QQ 见小程序“我的—客服与帮助”'
  return `客服热线 ${support.hotline}；服务邮箱 ${support.email}；客服 QQ ${support.qq}`
}
