/**
 * The one error family of EduCard, shared by the server, the workers and the
 * mini-program. Every error has a stable machine code, an HTTP status and a
 * Simplified Chinese message for people. Field-level validation problems carry
 * `fields`: a map from a dotted field path to the Chinese message for it.
 */

export const ERROR_CATALOG = {
  // generic transport-level errors
  VALIDATION_FAILED: { status: 400, message: '提交的信息有误，请检查后重试' },
  BAD_JSON: { status: 400, message: '请求内容不是有效的 JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: '请求内容类型不受支持' },
  PAYLOAD_TOO_LARGE: { status: 413, message: '提交的内容过大' },
  UNAUTHENTICATED: { status: 401, message: '请先登录' },
  FORBIDDEN: { status: 403, message: '没有权限进行此操作' },
  NOT_FOUND: { status: 404, message: '请求的内容不存在' },
  METHOD_NOT_ALLOWED: { status: 405, message: '不支持该请求方法' },
  CONFLICT: { status: 409, message: '数据冲突，请刷新后重试' },
  RATE_LIMITED: { status: 429, message: '操作过于频繁，请稍后再试' },
  SERVICE_UNAVAILABLE: { status: 503, message: '服务暂时不可用，请稍后再试' },
  INTERNAL: { status: 500, message: '系统繁忙，请稍后再试' },
  NETWORK: { status: 0, message: '网络连接失败，请检查网络后重试' },

  // identity numbers and contact data (field-level codes; status for when they stand alone)
  ID_REQUIRED: { status: 400, message: '请填写身份证号' },
  ID_LEGACY_15: { status: 400, message: '请填写 18 位居民身份证号（15 位旧号码已停止使用）' },
  ID_FORMAT: { status: 400, message: '身份证号应为 18 位，前 17 位为数字，最后一位为数字或 X' },
  ID_PROVINCE: { status: 400, message: '身份证号前两位不是有效的省级行政区代码' },
  ID_BIRTH_DATE: { status: 400, message: '身份证号中的出生日期无效' },
  ID_BIRTH_FUTURE: { status: 400, message: '身份证号中的出生日期不能晚于今天' },
  ID_AGE_STUDENT: { status: 400, message: '身份证号中的出生日期不符合中小学生年龄' },
  ID_AGE_GUARDIAN: { status: 400, message: '监护人须年满 18 周岁，请核对身份证号' },
  ID_CHECKSUM: { status: 400, message: '身份证号校验位不正确，请核对' },
  STUDENT_NO_FORMAT: { status: 400, message: '学籍号应为 G、J 或 L 开头加 18 位字符' },
  PHONE_FORMAT: { status: 400, message: '请填写正确的 11 位手机号码' },
  EMAIL_FORMAT: { status: 400, message: '请填写正确的电子邮箱' },
  NAME_LENGTH: { status: 400, message: '姓名应为 2–20 个字' },
  NAME_CHARS: { status: 400, message: '姓名只能包含汉字、字母和间隔号（·）' },
  USERNAME_FORMAT: { status: 400, message: '用户名为 4–20 位字母、数字或下划线，且以字母开头' },
  PASSWORD_LENGTH: { status: 400, message: '密码长度应为 8–32 位' },
  PASSWORD_WEAK: { status: 400, message: '密码至少包含字母、数字、符号中的两类' },
  PASSWORD_COMMON: { status: 400, message: '密码过于常见，请换一个' },
  PASSWORD_CONTAINS_IDENTITY: { status: 400, message: '密码不能包含用户名或手机号' },
  REQUIRED: { status: 400, message: '此项为必填项' },
  GUARDIAN_CONSENT_REQUIRED: { status: 400, message: '未满 14 周岁的学生须由监护人同意后提交' },
  GUARDIAN_CONSENT_GUARDIAN: { status: 400, message: '请选择已填写的监护人作为同意人' },
  GUARDIANS_COUNT: { status: 400, message: '请填写 1–2 位监护人' },
  GUARDIAN_DUPLICATE_ID: { status: 400, message: '两位监护人的身份证号不能相同' },
  GUARDIAN_ID_IS_STUDENT: { status: 400, message: '监护人的身份证号不能与学生相同' },
  GUARDIAN_RELATION_INVALID: { status: 400, message: '请选择监护人与学生的关系' },
  ADDRESS_LENGTH: { status: 400, message: '联系地址应为 1–120 个字' },
  SCHOOL_INVALID: { status: 400, message: '请选择学校' },
  GRADE_INVALID: { status: 400, message: '请选择年级' },
  CLASS_INVALID: { status: 400, message: '请选择班级' },
  TEXT_INVALID_UNICODE: { status: 400, message: '内容含有无效的字符（不完整的编码），请删除后重新输入' },
  TEXT_BIDI_CONTROL: { status: 400, message: '内容不能包含文字方向控制字符，请删除后重新输入' },

  // accounts and sign-in
  SMS_CODE_FORMAT: { status: 400, message: '请输入 6 位数字验证码' },
  SMS_CODE_INVALID: { status: 400, message: '验证码错误或已失效，请重新获取' },
  SMS_SEND_FAILED: { status: 503, message: '短信发送失败，请稍后重试' },
  AGREEMENT_REQUIRED: { status: 400, message: '请阅读并同意《隐私政策》和《儿童个人信息保护规则》' },
  USERNAME_TAKEN: { status: 409, message: '该用户名已被使用，请换一个' },
  INVALID_CREDENTIALS: { status: 401, message: '用户名或密码错误' },
  CAPTCHA_REQUIRED: { status: 400, message: '请输入图形验证码' },
  CAPTCHA_INVALID: { status: 400, message: '图形验证码错误，请重新输入' },
  ACCOUNT_LOCKED: { status: 429, message: '密码错误次数过多，请稍后再试，或用短信验证码重置密码' },
  RECOVERY_NOTE_LENGTH: { status: 400, message: '请用 4–200 个字说明情况（您是谁、手机号为何无法使用）' },
  RECOVERY_NOT_READY: { status: 409, message: '人工找回申请尚未生效' },
  RECOVERY_NOT_FOUND: { status: 404, message: '找不到这条人工找回申请' },
  RECOVERY_DECIDED: { status: 409, message: '这条申请已处理' },
  PHONE_SAME: { status: 400, message: '新手机号与当前手机号相同' },
  PHONE_NOT_BOUND: { status: 409, message: '账号尚未绑定手机号' },
  SESSION_EXPIRED: { status: 401, message: '登录已过期，请重新登录' },
  WECHAT_SIGNATURE_INVALID: { status: 401, message: '微信推送的签名无效或已过期' },
  CURRENT_PASSWORD_WRONG: { status: 400, message: '当前密码不正确' },
  TICKET_INVALID: { status: 400, message: '验证已过期，请重新操作' },
  WECHAT_UNAVAILABLE: { status: 503, message: '微信服务暂时不可用，请稍后再试' },
  WECHAT_CODE_INVALID: { status: 400, message: '微信登录凭证无效，请重试' },
  WECHAT_ALREADY_BOUND: { status: 409, message: '该微信已绑定其他账号' },
  USERNAME_NEEDED: { status: 400, message: '该手机号绑定了多个账号，请填写要找回的用户名' },
  IDENTITY_MISMATCH: { status: 400, message: '账号与学生身份证号不匹配' },
  TEACHER_NOT_FOUND: { status: 400, message: '未找到待激活的教师账号，请联系学校管理员' },
  ACCOUNT_DISABLED: { status: 403, message: '账号已停用，请联系客服' },
  PHONE_NO_ACCOUNT: { status: 400, message: '该手机号下没有账号' },

  // the review workflow
  REVIEW_TRANSITION_FORBIDDEN: { status: 409, message: '当前状态下不能进行此操作' },
  REVIEW_RETURN_REASON: { status: 400, message: '退回原因应为 2–200 个字' },
  ID_ALREADY_APPROVED: { status: 409, message: '该身份证号已在其他账号下完成认证，请联系学校处理' },
  SUBMISSION_PENDING: { status: 409, message: '资料正在审核中，请等待审核结果后再提交' },
  KEY_FIELDS_UNCHANGED: { status: 409, message: '姓名、身份证号和学校班级没有变化；联系方式请在电子档案中直接修改' },
  CONTACT_EDIT_UNAVAILABLE: { status: 409, message: '资料审核通过后才能直接修改联系方式；审核中或已退回的资料请修改后重新提交' },
  STUDENT_ACCOUNT_SINGLE: { status: 409, message: '学生账号只能添加本人的资料' },
  FAMILY_STUDENT_LIMIT: { status: 409, message: '一个账号最多添加 10 名学生' },

  // the electronic card (电子卡)
  ECARD_NOT_ISSUED: { status: 409, message: '学生尚未完成认证，电子教育卡还未发放' },
  ECARD_REVOKED: { status: 409, message: '该电子教育卡已撤销，如有疑问请联系学校' },
  ECARD_ALREADY_REVOKED: { status: 409, message: '该电子教育卡已经撤销' },
  ECARD_NOT_REVOKED: { status: 409, message: '该电子教育卡未撤销，无需补发' },
  ECARD_NOT_REISSUABLE: { status: 409, message: '该学生当前没有有效的身份认证，不能补发电子教育卡' },

  // the communication card (通讯卡) and WeChat Pay
  PRODUCT_NOT_FOUND: { status: 400, message: '所选通讯卡产品不存在或已下架' },
  WECHAT_NOT_BOUND: { status: 400, message: '请在微信小程序中打开并完成微信登录后再支付' },
  ORDER_NOT_FOUND: { status: 404, message: '订单不存在' },
  ORDER_NOT_SHIPPABLE: { status: 409, message: '该订单当前不能发货（仅已支付、未发货的订单可以发货）' },
  ORDER_ALREADY_PAID: { status: 409, message: '该学生已购买配套通讯卡，无需重复下单' },
  ORDER_NOT_REFUNDABLE: { status: 409, message: '该订单当前状态不能退款' },
  PAYMENT_UNAVAILABLE: { status: 503, message: '微信支付暂时不可用，请稍后再试' },

  // the console (school administrators and operators)
  CONSOLE_SESSION_REQUIRED: { status: 403, message: '请在管理后台登录并完成短信验证后再操作' },
  CONSOLE_ROLE_REQUIRED: { status: 403, message: '管理后台仅供学校管理员和教育卡管理中心使用' },
  CONSOLE_PHONE_REQUIRED: { status: 403, message: '该账号未绑定手机号，无法完成短信验证，请联系教育卡管理中心' },
  CONSOLE_CHALLENGE_INVALID: { status: 400, message: '登录验证已过期，请重新输入密码' },
  PASSWORD_CHANGE_REQUIRED: { status: 403, message: '首次登录请先修改密码' },
  TEACHER_INVALID: { status: 400, message: '请选择本校在职的教师' },

  // uploaded files (review evidence, notice attachments, registry imports)
  FILE_REQUIRED: { status: 400, message: '请选择要上传的文件' },
  FILE_TOO_LARGE: { status: 400, message: '文件过大，请压缩后重新上传' },
  FILE_TYPE_NOT_ALLOWED: { status: 400, message: '只能上传 JPG、PNG 图片或 PDF 文件' },
  FILE_EXECUTABLE: { status: 400, message: '文件含有可执行内容，不能上传' },
  FILE_NAME_INVALID: { status: 400, message: '文件名无效，请重命名后重新上传' },
  ATTACHMENT_NOT_REQUESTED: { status: 409, message: '班主任未要求补充材料，无需上传附件' },
  ATTACHMENT_LIMIT: { status: 409, message: '附件数量已达上限，请删除后再上传' },
  NOTICE_EDIT_CLOSED: { status: 409, message: '通知发布已超过可修改时间，不能再修改或撤回' },
  NOTICE_WITHDRAWN: { status: 409, message: '该通知已撤回' },
  REGISTRY_IMPORT_FILE_TYPE: { status: 400, message: '只能导入 CSV（UTF-8 或 GBK）或 Excel（.xlsx）文件' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The field map of a validation error: dotted path → Chinese message. */
export type FieldErrors = Record<string, string>;

/** The JSON body of every API error. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: FieldErrors; remainingAttempts?: number };
}

export function errorMessage(code: ErrorCode): string {
  return ERROR_CATALOG[code].message;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldErrors | undefined;
  /** Unexpected faults are reported (logged with stack); expected ones are not. */
  readonly isReportable: boolean;
  /** For 429 and 503: seconds the client should wait (sent as the Retry-After header). */
  readonly retryAfterSeconds: number | undefined;
  /** Sign-in: failures left before the (next) delay starts, shown as 还可尝试 N 次. */
  readonly remainingAttempts: number | undefined;

  constructor(
    code: ErrorCode,
    options: { message?: string; fields?: FieldErrors; cause?: unknown; retryAfterSeconds?: number; remainingAttempts?: number } = {},
  ) {
    super(options.message ?? ERROR_CATALOG[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.fields = options.fields;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.remainingAttempts = options.remainingAttempts;
    this.isReportable = this.status >= 500;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.fields ? { fields: this.fields } : {}),
        ...(this.remainingAttempts !== undefined ? { remainingAttempts: this.remainingAttempts } : {}),
      },
    };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOG, value);
}

/** Rebuild an AppError from an API error body (used by the mini-program's API client). */
export function appErrorFromBody(status: number, body: unknown): AppError {
  const e = (body as Partial<ErrorBody> | null)?.error;
  const code: ErrorCode = e && isErrorCode(e.code) ? e.code : statusToCode(status);
  return new AppError(code, {
    ...(e && typeof e.message === 'string' ? { message: e.message } : {}),
    ...(e?.fields ? { fields: e.fields } : {}),
    ...(typeof e?.remainingAttempts === 'number' ? { remainingAttempts: e.remainingAttempts } : {}),
  });
}

function statusToCode(status: number): ErrorCode {
  const byStatus: Record<number, ErrorCode> = {
    400: 'VALIDATION_FAILED',
    401: 'UNAUTHENTICATED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    409: 'CONFLICT',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    429: 'RATE_LIMITED',
    503: 'SERVICE_UNAVAILABLE',
  };
  return byStatus[status] ?? 'INTERNAL';
}
