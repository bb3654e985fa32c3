import { useEffect, useState } from 'react'
import { Text, View } from '@tarojs/components'
import Taro from '@tarojs/taro'
import type { AttachmentView } from '../../../../domain/api/uploads'
import { toAppError } from '../../hooks/useFormErrors'
import { deleteAttachment, listAttachments, pickEvidenceFile, uploadAttachment } from '../../services/attachments'
import FormNotice from '../FormNotice'
import './index.scss'

interface Props {
  studentId: string
  /** The return reason that asked for the document, shown above the list. */
  reason: string
}

export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/**
 * 证明材料: where the head teacher's return reason asks for a document, the
 * family adds photos or PDFs (up to the server's limit per return); only the
 * reviewers of the class see them, with the resubmission.
 */
export default function EvidenceAttachments({ studentId, reason }: Props) {
  const [items, setItems] = useState<AttachmentView[]>([])
  const [maxItems, setMaxItems] = useState(5)
  const [maxBytes, setMaxBytes] = useState(5 * 1024 * 1024)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()

  useEffect(() => {
    listAttachments(studentId).then(
      (list) => {
        setItems(list.items)
        setMaxItems(list.maxItems)
        setMaxBytes(list.maxBytes)
      },
      (err) => setError(toAppError(err).message),
    )
  }, [studentId])

  const add = async () => {
    if (busy) return
    setError(undefined)
    try {
      const picked = await pickEvidenceFile()
      if (!picked) return
      if (picked.size > maxBytes) {
        setError(`文件过大（${formatFileSize(picked.size)}），请压缩到 ${formatFileSize(maxBytes)} 以内后重新上传`)
        return
      }
      setBusy(true)
      const added = await uploadAttachment(studentId, picked)
      setItems((list) => [...list, added])
      void Taro.showToast({ title: '已上传', icon: 'success', duration: 1200 })
    } catch (err) {
      setError(toAppError(err).message)
    } finally {
      setBusy(false)
    }
  }

  const remove = async (item: AttachmentView) => {
    setError(undefined)
    try {
      await deleteAttachment(studentId, item.id)
      setItems((list) => list.filter((i) => i.id !== item.id))
    } catch (err) {
      setError(toAppError(err).message)
    }
  }

  return (
    <View className='evidence-attachments' data-testid='evidence-attachments'>
      <Text className='section-title'>证明材料</Text>
      <View className='form-card evidence-attachments__card'>
        <Text className='evidence-attachments__hint'>
          班主任要求补充材料（{reason}）。请上传清晰的照片或 PDF（JPG、PNG、PDF，每个不超过 {formatFileSize(maxBytes)}，最多 {maxItems} 个），仅审核老师可见。
        </Text>
        <FormNotice message={error} testId='evidence-error' />
        {items.map((item) => (
          <View className='evidence-attachments__item' key={item.id} data-testid='evidence-item'>
            <Text className='evidence-attachments__name'>{item.fileName}</Text>
            <Text className='evidence-attachments__size'>{formatFileSize(item.size)}</Text>
            <Text className='evidence-attachments__remove' onClick={() => void remove(item)}>
              删除
            </Text>
          </View>
        ))}
        {items.length < maxItems && (
          <View className={`evidence-attachments__add${busy ? ' is-busy' : ''}`} data-testid='evidence-add' onClick={() => void add()}>
            <Text className='evidence-attachments__plus'>+</Text>
            <Text>{busy ? '正在上传…' : '上传照片或 PDF'}</Text>
          </View>
        )}
      </View>
    </View>
  )
}
