import type { AnyRoute } from '../../route';
import { noticeChangeRoutes } from './notice-changes.route';
import {
  getMyNotices,
  getNoticeDetail,
  getNoticeReceipts,
  getPublishableClasses,
  getSentNotices,
  postConfirmNotice,
  postNotice,
  postRemindNotice,
} from './notices.route';

/** Static paths (classes, sent, mine) before /api/notices/:id. */
export const noticeRoutes: AnyRoute[] = [getPublishableClasses, getSentNotices, getMyNotices, postNotice, getNoticeDetail, postConfirmNotice, getNoticeReceipts, postRemindNotice, ...noticeChangeRoutes];
