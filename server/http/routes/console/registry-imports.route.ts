/**
 * Registry imports by upload (operators only, console sessions): the upload
 * streams into storage and a worker imports it
 * (server/services/registry-import/registry-upload.ts); the console polls the
 * import for its progress and downloads the problems report.
 */
import {
  ListRegistryImportsQuerySchema,
  ListRegistryImportsResponseSchema,
  RegistryImportParamsSchema,
  RegistryImportViewSchema,
  RegistryUploadQuerySchema,
} from '../../../../domain/api/uploads';
import { getRegistryImport, listRegistryImports, openRegistryReport, uploadRegistryFile } from '../../../services/registry-import/registry-upload';
import { defineRoute } from '../../route';
import { declaredLength, sendStoredFile } from '../../send-file';
import { noStore, requestMeta } from '../auth/request-meta';

const OPERATOR_ACCESS = { roles: ['operator'], console: true } as const;

export const postRegistryImport = defineRoute({
  method: 'post',
  path: '/api/console/registry-imports',
  operationId: 'consoleUploadRegistryFile',
  summary: 'Upload a registry file (CSV or XLSX, the raw bytes as the body) and queue its import; dryRun validates and counts only',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  rawBody: true,
  query: RegistryUploadQuerySchema,
  responses: {
    201: { description: 'Stored and queued', schema: RegistryImportViewSchema },
    400: { description: 'FILE_REQUIRED, FILE_TOO_LARGE, REGISTRY_IMPORT_FILE_TYPE, FILE_EXECUTABLE, or a bad fileName' },
  },
  handler: async ({ koa, app, input, auth }) => {
    noStore(koa);
    const view = await uploadRegistryFile(app, auth!.account, requestMeta(koa), {
      source: koa.req,
      declaredLength: declaredLength(koa),
      fileName: input.query.fileName,
      dryRun: input.query.dryRun,
    });
    koa.status = 201;
    koa.body = view;
  },
});

export const getRegistryImports = defineRoute({
  method: 'get',
  path: '/api/console/registry-imports',
  operationId: 'consoleListRegistryImports',
  summary: 'The history of registry imports, newest first, paged',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  query: ListRegistryImportsQuerySchema,
  responses: { 200: { description: 'A page of imports', schema: ListRegistryImportsResponseSchema } },
  handler: async ({ koa, app, input }) => {
    noStore(koa);
    koa.body = await listRegistryImports(app, input.query);
  },
});

export const getRegistryImportProgress = defineRoute({
  method: 'get',
  path: '/api/console/registry-imports/:importId',
  operationId: 'consoleRegistryImport',
  summary: 'One import: its status, progress (percent of the file read, rows read) and, once finished, its counts',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: RegistryImportParamsSchema,
  responses: { 200: { description: 'The import', schema: RegistryImportViewSchema }, 404: { description: 'NOT_FOUND' } },
  handler: async ({ koa, app, input }) => {
    noStore(koa);
    koa.body = await getRegistryImport(app, input.params.importId);
  },
});

export const getRegistryImportReport = defineRoute({
  method: 'get',
  path: '/api/console/registry-imports/:importId/report',
  operationId: 'consoleRegistryImportReport',
  summary: 'The problems report of an import (CSV, UTF-8 with BOM, opens in Excel); the download is audited',
  tags: ['console'],
  access: OPERATOR_ACCESS,
  params: RegistryImportParamsSchema,
  responses: { 200: { description: 'text/csv' }, 404: { description: 'NOT_FOUND (unknown import, no problem found, or the report was removed)' } },
  handler: async ({ koa, app, input, auth }) => {
    const { file, fileName } = await openRegistryReport(app, auth!.account, requestMeta(koa), input.params.importId);
    sendStoredFile(koa, file, fileName);
  },
});

export const registryImportRoutes = [postRegistryImport, getRegistryImports, getRegistryImportProgress, getRegistryImportReport];
