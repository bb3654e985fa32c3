import type { AnyRoute } from '../../route';
import { getDevInbox } from './inbox.route';

/** Routes that exist only when NODE_ENV is not production. */
export const developmentRoutes: AnyRoute[] = [getDevInbox];
