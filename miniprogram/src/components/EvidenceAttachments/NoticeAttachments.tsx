import { useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import type { NoticeAttachment } from '../../../../domain/api/notices'
import { MAX_NOTICE_ATTACHMENTS } from '../../../../domain/api/notices'
import { toAppError } from '../../hooks/useFormErrors'
import { openNoticeAttachment, pickEvidenceFile, uploadNoticeAttachment } from '../../services/attachments'
import FormNotice from '../FormNotice'
import { formatFileSize } from './index'
import './index.scss'

interface Props {
  noticeId: string
  attachments: NoticeAttachment[]
  /** The author while the notice can still be changed: offers 添加图片或 PDF. */
  canAdd: boolean
}

/** 附件 of a notice: images and PDFs, opened in the platform's viewer; the author adds more within the edit window. */
export default function NoticeAttachments({ noticeId, attachments, canAdd }: Props) {
  const [items, setItems] = useState(attachments)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  if (items.length === 0 && !canAdd) return null

  const open = async (item: NoticeAttachment) => {
    setError(undefined)
    try {
      await openNoticeAttachment(noticeId, item)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }
  const add = async () => {
    if (busy) return
    setError(undefined)
    try {
      const picked = await pickEvidenceFile()
      if (!picked) return
      setBusy(true)
      const added = await uploadNoticeAttachment(noticeId, picked)
      setItems((list) => [...list, added])
      void Taro.showToast({ title: '已添加', icon: 'success', duration: 1200 })
    } catch (err) {
      setError(toAppError(err).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <View className='evidence-attachments notice-attachments' data-testid='notice-attachments'>
      <Text className='section-title'>附件</Text>
      <View className='form-card'>
        <FormNotice message={error} testId='notice-attachments-error' />
        {items.map((item) => (
          <View className='evidence-attachments__item' key={item.id} data-testid='notice-attachment'>
            <Text className='evidence-attachments__name'>{item.fileName}</Text>
            <Text className='evidence-attachments__size'>{formatFileSize(item.size)}</Text>
            <Text className='evidence-attachments__open' onClick={() => void open(item)}>
              查看
            </Text>
          </View>
        ))}
        {canAdd && items.length < MAX_NOTICE_ATTACHMENTS && (
          <View className={`evidence-attachments__add${busy ? ' is-busy' : ''}`} data-testid='notice-attachment-add' onClick={() => void add()}>
            <Text className='evidence-attachments__plus'>+</Text>
            <Text>{busy ? '正在上传…' : '添加图片或 PDF'}</Text>
          </View>
        )}
      </View>
    </View>
  )
}
