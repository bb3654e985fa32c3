import type { ReactNode } from 'react'
import { Text, View } from '@tarojs/components'

interface Props {
  title: string
  desc?: ReactNode
}

/** The title block at the top of a form page. */
export default function PageHeader({ title, desc }: Props) {
  return (
    <View className='page-header'>
      <Text className='page-header__title'>{title}</Text>
      {desc ? <Text className='page-header__desc'>{desc}</Text> : null}
    </View>
  )
}
