/**
 * Which WeChat template (official account) and subscribe template
 * (mini-program) each message group uses, from config.
 */
import type { Config } from '../../../config';
import { TEMPLATE_GROUPS, type TemplateGroup } from '../../../domain/messaging/messages';

export type TemplateConfig = Pick<
  Config,
  | 'WECHAT_TEMPLATE_REVIEW_DIGEST'
  | 'WECHAT_TEMPLATE_REVIEW_RESULT'
  | 'WECHAT_TEMPLATE_RECONFIRM'
  | 'WECHAT_TEMPLATE_NOTICE'
  | 'WECHAT_SUBSCRIBE_REVIEW_DIGEST'
  | 'WECHAT_SUBSCRIBE_REVIEW_RESULT'
  | 'WECHAT_SUBSCRIBE_RECONFIRM'
  | 'WECHAT_SUBSCRIBE_NOTICE'
  | 'WECHAT_TEMPLATE_ACCOUNT_SECURITY'
  | 'WECHAT_SUBSCRIBE_ACCOUNT_SECURITY'
>;

export interface GroupTemplates {
  /** Official-account template message template_id. */
  template: string;
  /** Mini-program subscribe message template id (what wx.requestSubscribeMessage asks for). */
  subscribe: string;
}

export function templatesOf(config: TemplateConfig, group: TemplateGroup): GroupTemplates {
  switch (group) {
    case 'review_digest':
      return { template: config.WECHAT_TEMPLATE_REVIEW_DIGEST, subscribe: config.WECHAT_SUBSCRIBE_REVIEW_DIGEST };
    case 'review_result':
      return { template: config.WECHAT_TEMPLATE_REVIEW_RESULT, subscribe: config.WECHAT_SUBSCRIBE_REVIEW_RESULT };
    case 'reconfirm':
      return { template: config.WECHAT_TEMPLATE_RECONFIRM, subscribe: config.WECHAT_SUBSCRIBE_RECONFIRM };
    case 'notice':
      return { template: config.WECHAT_TEMPLATE_NOTICE, subscribe: config.WECHAT_SUBSCRIBE_NOTICE };
    case 'account_security':
      return { template: config.WECHAT_TEMPLATE_ACCOUNT_SECURITY, subscribe: config.WECHAT_SUBSCRIBE_ACCOUNT_SECURITY };
  }
}

/** Every subscribe template id we send, with its group: the ids a page may ask grants for. */
export function subscribeTemplates(config: TemplateConfig): { group: TemplateGroup; templateId: string }[] {
  return TEMPLATE_GROUPS.map((group) => ({ group, templateId: templatesOf(config, group).subscribe }));
}
