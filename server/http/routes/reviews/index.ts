import type { AnyRoute } from '../../route';
import { reviewAttachmentRoutes } from './review-attachments.route';
import { getReview, getReviews, postApprove, postDispute, postReturn } from './reviews.route';

export const reviewRoutes: AnyRoute[] = [getReviews, getReview, postApprove, postReturn, postDispute, ...reviewAttachmentRoutes];
