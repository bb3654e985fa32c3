import { useEffect, useState } from 'react'
import { Text, View } from '@tarojs/components'
import type { AttachmentView } from '../../../../domain/api/uploads'
import { toAppError } from '../../hooks/useFormErrors'
import { listReviewAttachments, openReviewAttachment } from '../../services/attachments'
import FormNotice from '../FormNotice'
import { formatFileSize } from './index'
import './index.scss'

const TYPE_LABELS: Record<AttachmentView['contentType'], string> = { 'image/jpeg': '图片', 'image/png': '图片', 'application/pdf': 'PDF' }

/** 家长补充的材料 on the review page: the evidence the family attached after a return; opening one is audited. */
export default function ReviewAttachments({ versionId }: { versionId: string }) {
  const [items, setItems] = useState<AttachmentView[]>([])
  const [error, setError] = useState<string>()

  useEffect(() => {
    listReviewAttachments(versionId).then(
      (list) => setItems(list.items),
      (err) => setError(toAppError(err).message),
    )
  }, [versionId])

  if (items.length === 0 && !error) return null
  const open = async (item: AttachmentView) => {
    setError(undefined)
    try {
      await openReviewAttachment(versionId, item)
    } catch (err) {
      setError(toAppError(err).message)
    }
  }
  return (
    <View className='evidence-attachments review-attachments' data-testid='review-attachments'>
      <Text className='section-title'>家长补充的材料</Text>
      <View className='form-card'>
        <FormNotice message={error} testId='review-attachments-error' />
        {items.map((item) => (
          <View className='evidence-attachments__item' key={item.id} data-testid='review-attachment'>
            <Text className='evidence-attachments__name'>{item.fileName}</Text>
            <Text className='evidence-attachments__size'>
              {TYPE_LABELS[item.contentType]} · {formatFileSize(item.size)}
            </Text>
            <Text className='evidence-attachments__open' onClick={() => void open(item)}>
              查看
            </Text>
          </View>
        ))}
      </View>
    </View>
  )
}
