/**
 * How a teachers import is shown to the operator: the problem table for the
 * terminal, the same problems as a CSV file Excel opens (UTF-8 with BOM, CRLF;
 * both from server/services/import/report.ts), and the one-line summary.
 */
import type { TeacherImportSummary } from './import-teachers';

export { ERROR_REPORT_HEADERS as REPORT_HEADERS, displayWidth, errorReportCsv, formatErrorTable } from '../import/report';

/** e.g. "teachers: 3 created, 1 updated, 496 unchanged; schools: 1 created, 0 renamed; classes: 12 created". */
export function formatSummary(summary: TeacherImportSummary): string {
  return [
    `teachers: ${summary.teachersCreated} created, ${summary.teachersUpdated} updated, ${summary.teachersUnchanged} unchanged`,
    `schools: ${summary.schoolsCreated} created, ${summary.schoolsRenamed} renamed`,
    `classes: ${summary.classesCreated} created`,
  ].join('; ');
}
