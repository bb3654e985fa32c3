import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { createWechatPayGateway, WechatPayApiError, WechatPayUnavailableError } from '../../server/integrations/wechatpay/wechatpay-client';
import { readVerificationKey, type WechatPayKeys } from '../../server/integrations/wechatpay/wechatpay-keys';
import { startFakeWechatPay, type FakeWechatPay } from './fake-wechatpay-server';

const MCHID = '1230000109';
const APPID = 'wxtest00000000mp';

describe('fake WeChat Pay', () => {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let fake: FakeWechatPay;
  beforeAll(async () => {
    fake = await startFakeWechatPay({ mchid: MCHID, appid: APPID, merchantPublicKey: merchant.publicKey, apiV3Key: randomBytes(16).toString('hex'), mode: 'certificate' });
  });
  afterAll(async () => {
    await fake?.close();
  });

  function gateway(privateKey = merchant.privateKey, verification = fake.verificationConfig('certificate').WECHATPAY_PLATFORM_CERTS) {
    const [id, pem] = Object.entries(JSON.parse(verification) as Record<string, string>)[0]!;
    const keys: WechatPayKeys = {
      mchid: MCHID,
      merchantSerial: 'ABCDEF0123456789',
      merchantPrivateKey: privateKey,
      apiV3Key: Buffer.alloc(32),
      verification: new Map([[id, readVerificationKey(id, pem, 'certificate')]]),
    };
    return createWechatPayGateway(keys, { baseURL: fake.url, timeoutMs: 3000 });
  }

  it('publishes a real X.509 platform certificate whose serial is the Wechatpay-Serial it signs with', () => {
    const [serial, pem] = Object.entries(JSON.parse(fake.verificationConfig('certificate').WECHATPAY_PLATFORM_CERTS) as Record<string, string>)[0]!;
    const cert = new X509Certificate(pem!);
    expect(cert.serialNumber).toBe(serial);
    expect(serial).toHaveLength(40);
    expect(fake.serial).toBe(serial);
  });

  it('When the merchant signature is made with another key, Then 401 SIGN_ERROR', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect(gateway(other.privateKey).queryOrder('EC20260101AAAAAAAAAAAAAAAA')).rejects.toMatchObject({ status: 401, code: 'SIGN_ERROR' });
    const res = await fetch(`${fake.url}v3/pay/transactions/out-trade-no/X123456?mchid=${MCHID}`);
    expect(res.status).toBe(401);
    expect(fake.calls().filter((c) => c.authError).length).toBe(2);
  });

  it('When the answer is signed with a key we do not trust, Then the client refuses it (unavailable)', async () => {
    const otherFake = await startFakeWechatPay({ mchid: MCHID, appid: APPID, merchantPublicKey: merchant.publicKey, apiV3Key: randomBytes(16).toString('hex'), mode: 'certificate' });
    try {
      const keys = gateway(merchant.privateKey, otherFake.verificationConfig('certificate').WECHATPAY_PLATFORM_CERTS);
      await expect(keys.jsapiPrepay({ appid: APPID, description: 'x', outTradeNo: 'EC20260101BBBBBBBBBBBBBBBB', timeExpire: new Date(), notifyUrl: 'http://127.0.0.1/n', amountFen: 1, payerOpenid: 'o1' })).rejects.toBeInstanceOf(WechatPayUnavailableError);
    } finally {
      await otherFake.close();
    }
  });

  it('orders, queries, closes and answers its documented errors', async () => {
    const gw = gateway();
    const no = `EC20260101${randomBytes(8).toString('hex').toUpperCase()}`;
    expect(await gw.queryOrder(no)).toBeNull();
    const { prepayId } = await gw.jsapiPrepay({ appid: APPID, description: '通讯卡', outTradeNo: no, timeExpire: new Date(), notifyUrl: 'http://127.0.0.1/n', amountFen: 2900, payerOpenid: 'o1' });
    expect(prepayId).toMatch(/^wx/);
    expect(await gw.queryOrder(no)).toMatchObject({ trade_state: 'NOTPAY', amount: { total: 2900 } });
    fake.pay(no);
    await expect(gw.closeOrder(no)).rejects.toMatchObject({ code: 'ORDER_PAID' });
    await expect(gw.jsapiPrepay({ appid: 'wxother', description: 'x', outTradeNo: `${no}X`, timeExpire: new Date(), notifyUrl: 'http://127.0.0.1/n', amountFen: 1, payerOpenid: 'o1' })).rejects.toBeInstanceOf(WechatPayApiError);
  });
});
