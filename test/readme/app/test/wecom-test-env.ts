// test/wecom-test-env.ts — for specs that boot AppModule without a simulator (the scaffold's app.e2e-spec.ts)
process.env.WECOM_CORP_ID = 'wwtest';
process.env.WECOM_CORP_SECRET = 'test-secret';
// Nothing listens there: a call the test did not mean to make fails at once instead of reaching WeCom.
process.env.WECOM_API_BASE_URL = 'http://127.0.0.1:9';
process.env.WECOM_CALLBACK_URL = '';
