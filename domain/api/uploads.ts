/**
 * Uploaded files: the limits and the API contract of what families, teachers
 * and operators upload (review evidence, registry files), shared by the server,
 * the mini-program and the console.
 *
 * An upload is the file's raw bytes as the request body (no multipart), its
 * name in the `fileName` query parameter: the server streams the body straight
 * into storage, never holding the whole file, and decides its type from its
 * first bytes (magic numbers), never from the name or the declared type.
 */
import { z } from 'zod';
import { errorMessage } from '../errors';
import { PageQuerySchema } from './profiles';

/** What a family may attach as evidence: a photo or a PDF. */
export const EVIDENCE_CONTENT_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;
export type EvidenceContentType = (typeof EVIDENCE_CONTENT_TYPES)[number];
/** Attachments a family may add in answer to one return. */
export const MAX_ATTACHMENTS_PER_RETURN = 5;

/**
 * A file name as shown to people: the base name, no control or path characters,
 * at most 100 characters. What is stored is always this cleaned form.
 */
export const fileNameSchema = z
  .string({ error: errorMessage('FILE_NAME_INVALID') })
  .transform((v) => v.normalize('NFC').replace(/^.*[\\/]/, '').trim())
  .pipe(
    z
      .string()
      .min(1, errorMessage('FILE_NAME_INVALID'))
      .max(100, errorMessage('FILE_NAME_INVALID'))
      .regex(/^[^\u0000-\u001f\u007f<>:"|?*\u202a-\u202e\u2066-\u2069]+$/, errorMessage('FILE_NAME_INVALID'))
      .refine((v) => v !== '.' && v !== '..', errorMessage('FILE_NAME_INVALID')),
  );

/** Words of a return reason that ask the family for a document. */
const DOCUMENT_WORDS = /证明|材料|证件|照片|扫描|复印件|附件|户口|借读|文件/;

/** Whether a head teacher's return reason asks for a document (借读证明 …): only then does the form offer an attachment. */
export function returnAsksForDocument(reason: string | null | undefined): boolean {
  return Boolean(reason && DOCUMENT_WORDS.test(reason));
}

// ---- review evidence: POST /api/students/:studentId/attachments?fileName=

export const UploadQuerySchema = z.object({ fileName: fileNameSchema });

export const AttachmentViewSchema = z.object({
  id: z.uuid(),
  fileName: z.string(),
  contentType: z.enum(EVIDENCE_CONTENT_TYPES),
  size: z.number().int(),
  createdAt: z.string(),
});
export type AttachmentView = z.infer<typeof AttachmentViewSchema>;
export const AttachmentListSchema = z.object({ items: z.array(AttachmentViewSchema), maxItems: z.number().int(), maxBytes: z.number().int() });

export const AttachmentParamsSchema = z.object({
  studentId: z.uuid({ error: errorMessage('NOT_FOUND') }),
  attachmentId: z.uuid({ error: errorMessage('NOT_FOUND') }),
});
export const ReviewAttachmentParamsSchema = z.object({
  versionId: z.uuid({ error: errorMessage('NOT_FOUND') }),
  attachmentId: z.uuid({ error: errorMessage('NOT_FOUND') }),
});

// ---- registry imports in the console (operator): POST /api/console/registry-imports?fileName=&dryRun=

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const RegistryUploadQuerySchema = z.object({ fileName: fileNameSchema, dryRun: booleanFlag.default(false) });

export const REGISTRY_IMPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const REGISTRY_IMPORT_STATUS_LABELS: Readonly<Record<(typeof REGISTRY_IMPORT_STATUSES)[number], string>> = {
  queued: '排队中',
  running: '导入中',
  succeeded: '已完成',
  failed: '失败',
};

export const RegistryImportCountsSchema = z.object({
  rowsRead: z.number().int(),
  rowsValid: z.number().int(),
  rowsRejected: z.number().int(),
  warnings: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  schoolsCreated: z.number().int(),
  classesCreated: z.number().int(),
  problemCount: z.number().int(),
});

export const RegistryImportViewSchema = z.object({
  id: z.uuid(),
  fileName: z.string(),
  fileSize: z.number().int(),
  dryRun: z.boolean(),
  status: z.enum(REGISTRY_IMPORT_STATUSES),
  /** 0–100: the share of the file read so far (100 once finished). */
  percent: z.number().int().min(0).max(100),
  rowsRead: z.number().int(),
  counts: RegistryImportCountsSchema.nullable(),
  /** Why the file could not be imported (Chinese). */
  error: z.string().nullable(),
  hasReport: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type RegistryImportView = z.infer<typeof RegistryImportViewSchema>;

export const ListRegistryImportsQuerySchema = PageQuerySchema;
export const ListRegistryImportsResponseSchema = z.object({
  items: z.array(RegistryImportViewSchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
});

export const RegistryImportParamsSchema = z.object({ importId: z.uuid({ error: errorMessage('NOT_FOUND') }) });

export const DeleteAttachmentResponseSchema = z.object({ attachmentId: z.uuid(), deleted: z.literal(true) });
