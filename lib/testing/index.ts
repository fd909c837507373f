// `nestjs-wecom-batch/testing`: the WeCom simulator for tests and the sample app.
// Reserved entry point; the simulator lands with its own issue.
export {};
