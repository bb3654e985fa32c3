/**
 * Frequently used passwords (from public leak statistics, with Chinese
 * favourites: 我爱你 → woaini / 5201314, QQ numbers, keyboard walks, pinyin).
 * Only entries that would otherwise pass the length and character-class rules
 * are worth listing; all entries are lower-case and compared case-insensitively.
 */
export const COMMON_PASSWORDS: readonly string[] = [
  // English-language classics
  'password1', 'password12', 'password123', 'password1234', 'password!', 'password@123', 'p@ssw0rd', 'p@ssword',
  'passw0rd', 'pa$$w0rd', 'pa55word', 'password01', 'abc12345', 'abcd1234', 'abcde12345', 'abc123456', 'abc123456789',
  'abcd12345', 'a1234567', 'a12345678', 'a123456789', 'a1b2c3d4', 'a1b2c3d4e5', 'aa123456', 'aa12345678',
  'aaa12345', 'aaa123456', 'qwerty12', 'qwerty123', 'qwerty1234', 'qwerty12345', 'qwer1234', 'qwe12345',
  'qwe123456', 'qwe123qwe', 'qweasd123', 'qweasdzxc1', 'qazwsx123', 'q1w2e3r4', 'q1w2e3r4t5', 'q1w2e3r4t5y6',
  '1q2w3e4r', '1q2w3e4r5t', '1q2w3e4r5t6y', '1qaz2wsx', '1qaz2wsx3edc', '1qaz@wsx', '1qazxsw2', '2wsx3edc',
  'zaq12wsx', 'zxc12345', 'zxc123456', 'zxcv1234', 'asd12345', 'asd123456', 'asdf1234', 'asdfgh123',
  'welcome1', 'welcome123', 'welcome@123', 'letmein1', 'letmein123', 'iloveyou1', 'iloveyou123', 'monkey123',
  'dragon123', 'master123', 'sunshine1', 'princess1', 'football1', 'baseball1', 'superman1', 'batman123',
  'trustno1', 'charlie1', 'michael1', 'jordan23', 'shadow123', 'admin123', 'admin1234', 'admin@123',
  'administrator1', 'root1234', 'test1234', 'test12345', 'test@123', 'user1234', 'changeme1', 'hello123',
  'hello1234', 'loveyou1', 'computer1', 'internet1', 'google123', 'samsung1', 'apple123', 'iphone123',
  '12345678a', '123456789a', '1234567890a', '12345678q', '123456abc', '123456aa', '123456qq', '123qweasd',
  '123qwe123', '123abc123', '123456a!', '123456a@', '123456asd', '1234qwer', '1234abcd', '12345qwert',
  '12345abc', '123456qwe', '123456qwerty', '147258369a', '159357abc', '987654321a', '11111111a', '88888888a',
  '12qwaszx', '1a2b3c4d', '1a2s3d4f', 'a1s2d3f4', 'aaaa1111', 'qqqq1111', 'abc@1234', 'abc!1234',
  // Chinese favourites: 我爱你 / 一生一世 (1314) / 5201314 / QQ / pinyin
  'woaini1314', 'woaini520', 'woaini123', 'woaini521', 'woaini1234', 'woaini12345', 'woaini123456', 'woaini5201314',
  'woainima123', 'woaiwojia1', 'woaiwojia123', '5201314a', 'a5201314', 'aa5201314', 'abc5201314', 'a1314520',
  '1314520a', 'love1314', 'love5201314', 'iloveyou1314', 'qq123456', 'qq1234567', 'qq12345678', 'qq123456789',
  'qq5201314', 'qwe5201314', 'wang123456', 'zhang123456', 'li123456', 'liu123456', 'chen123456', 'yang123456',
  'zhao123456', 'huang123456', 'wangwei123', 'zhangwei123', 'liuyang123', 'wangjing123', 'nihao123', 'nihao123456',
  'zhongguo123', 'china123', 'china1234', 'china@123', 'beijing123', 'shanghai123', 'a123123123', 'a123456a',
  'aa112233', 'a11111111', 'a00000000', 'a88888888', 'a66666666', 'a888888888', 'abc888888', 'aa888888',
  '888888aa', 'wo123456', 'ww123456', 'w123456789', 'woshishui1', 'xiaoming123', 'xiaohong123', 'laopo520',
  'laogong520', 'baobao123', 'baobei520', 'baobei1314', 'tiantian123', 'aini1314', 'mima1234', 'mima123456',
  'jiayou123', 'xuesheng123', 'laoshi123', 'xiaoxue123', 'zhongxue123', 'a147258369', 'a123456789a', 'a12345678910',
];
