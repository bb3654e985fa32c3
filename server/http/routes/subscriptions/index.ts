import type { AnyRoute } from '../../route';
import { getSubscriptions, postSubscriptions } from './subscriptions.route';

export const subscriptionRoutes: AnyRoute[] = [getSubscriptions, postSubscriptions];
