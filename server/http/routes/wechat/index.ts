import type { AnyRoute } from '../../route';
import { getOaEventsCheck, postOaEvents } from './oa-events.route';

export const wechatRoutes: AnyRoute[] = [getOaEventsCheck, postOaEvents];
