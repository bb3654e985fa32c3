/**
 * pages/notices/detail?id=…: the page the 班级通知 WeChat messages open
 * (domain/messaging/messages.ts noticeDetailPage); the same page as
 * pages/notice-detail/index.
 */
export { default } from '../notice-detail/index'
