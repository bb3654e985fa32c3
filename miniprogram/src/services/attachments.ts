import Taro from '@tarojs/taro'
import {
  AttachmentListSchema,
  AttachmentViewSchema,
  DeleteAttachmentResponseSchema,
  type AttachmentView,
} from '../../../domain/api/uploads'
import { NoticeAttachmentSchema, type NoticeAttachment } from '../../../domain/api/notices'
import { AppError } from '../../../domain/errors'
import { api } from './api-client'

/**
 * Evidence attachments (domain/api/uploads.ts is the contract): the family adds
 * a photo or a PDF where the head teacher's return reason asks for a document;
 * the reviewer opens them on the review page. The server decides the type from
 * the bytes; these calls only pick, send and show.
 */

const enc = encodeURIComponent

export interface PickedFile {
  name: string
  size: number
  data: ArrayBuffer | Blob
}

export function listAttachments(studentId: string) {
  return api.get(`/api/students/${enc(studentId)}/attachments`, AttachmentListSchema)
}

export function uploadAttachment(studentId: string, file: PickedFile) {
  return api.postFile(`/api/students/${enc(studentId)}/attachments?fileName=${enc(file.name)}`, file.data, AttachmentViewSchema)
}

export function deleteAttachment(studentId: string, attachmentId: string) {
  return api.delete(`/api/students/${enc(studentId)}/attachments/${enc(attachmentId)}`, DeleteAttachmentResponseSchema)
}

export function listReviewAttachments(versionId: string) {
  return api.get(`/api/reviews/${enc(versionId)}/attachments`, AttachmentListSchema)
}

/** Opens an attachment for the reviewer: images in the image viewer, a PDF in the document viewer (a new tab on H5). */
export function openReviewAttachment(versionId: string, attachment: Pick<AttachmentView, 'id' | 'contentType'>): Promise<void> {
  return openFile(`/api/reviews/${enc(versionId)}/attachments/${enc(attachment.id)}`, attachment.contentType)
}

function listNoticeAttachmentsPath(noticeId: string, attachmentId: string): string {
  return `/api/notices/${enc(noticeId)}/attachments/${enc(attachmentId)}`
}

/** A notice's image or PDF, for its recipients and its author. */
export function openNoticeAttachment(noticeId: string, attachment: Pick<NoticeAttachment, 'id' | 'contentType'>): Promise<void> {
  return openFile(listNoticeAttachmentsPath(noticeId, attachment.id), attachment.contentType)
}

/** The author adds an image or PDF to a notice (within the edit window). */
export function uploadNoticeAttachment(noticeId: string, file: PickedFile) {
  return api.postFile(`/api/notices/${enc(noticeId)}/attachments?fileName=${enc(file.name)}`, file.data, NoticeAttachmentSchema)
}

async function openFile(path: string, contentType: AttachmentView['contentType']): Promise<void> {
  const local = await api.downloadFile(path)
  if (contentType !== 'application/pdf') {
    await Taro.previewImage({ urls: [local], current: local })
    return
  }
  if (process.env.TARO_ENV === 'h5') {
    window.open(local, '_blank', 'noopener')
    return
  }
  await Taro.openDocument({ filePath: local, fileType: 'pdf', showMenu: false })
}

function readLocalFile(filePath: string): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    Taro.getFileSystemManager().readFile({
      filePath,
      success: (res) => resolve(res.data as ArrayBuffer),
      fail: (err) => reject(new AppError('FILE_REQUIRED', { cause: err })),
    })
  })
}

const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path

/** The user cancelled a picker: nothing to do, no error to show. */
const cancelled = (err: unknown) => /cancel/i.test(String((err as { errMsg?: string })?.errMsg ?? err))

/**
 * Lets the family choose the evidence: in WeChat a photo (camera or album,
 * chooseImage) or a PDF/image from a chat (chooseMessageFile, where documents
 * live on a phone); on H5 the browser's file input. Null when cancelled.
 */
export async function pickEvidenceFile(): Promise<PickedFile | null> {
  if (process.env.TARO_ENV === 'h5') {
    return new Promise((resolve) => {
      const input = document.createElement('input')
      input.type = 'file'
      input.accept = 'image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf'
      input.style.display = 'none'
      input.addEventListener('change', () => {
        const file = input.files?.[0]
        input.remove()
        resolve(file ? { name: file.name, size: file.size, data: file } : null)
      })
      input.addEventListener('cancel', () => {
        input.remove()
        resolve(null)
      })
      document.body.appendChild(input)
      input.click()
    })
  }
  try {
    const { tapIndex } = await Taro.showActionSheet({ itemList: ['拍照或从相册选择', '从微信聊天中选择文件（PDF 或图片）'] })
    if (tapIndex === 0) {
      const chosen = await Taro.chooseImage({ count: 1, sizeType: ['compressed'], sourceType: ['camera', 'album'] })
      const file = chosen.tempFiles[0]
      if (!file) return null
      return { name: baseName(file.path), size: file.size, data: await readLocalFile(file.path) }
    }
    const chosen = await Taro.chooseMessageFile({ count: 1, type: 'file', extension: ['pdf', 'jpg', 'jpeg', 'png'] })
    const file = chosen.tempFiles[0]
    if (!file) return null
    return { name: file.name, size: file.size, data: await readLocalFile(file.path) }
  } catch (err) {
    if (cancelled(err)) return null
    throw err
  }
}
