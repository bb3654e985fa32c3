/**
 * Open a page outside the SPA (the queues, the API docs) in a new tab: first
 * ask the API for the short-lived HttpOnly cookie of this console session
 * (the bearer token never goes into a URL), then navigate.
 */
import { message } from 'antd';
import { DocsSessionResponseSchema } from '../../domain/api/console-operator';
import { messageOf, request } from './api/client';

export async function openStaffPage(path: string): Promise<void> {
  // Opened first, inside the click, so no pop-up blocker stops it; pointed at the page once the cookie is set.
  const tab = window.open('about:blank', '_blank');
  try {
    await request('POST', '/api/console/staff-pages-session', { schema: DocsSessionResponseSchema, body: {}, acceptCookie: true });
    if (tab) tab.location.href = path;
    else window.location.assign(path);
  } catch (err) {
    tab?.close();
    void message.error(messageOf(err));
  }
}
