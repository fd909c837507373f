// The sample app (a directory sync against the embedded WeCom simulator) arrives with the sample issue.
console.log('nestjs-wecom-batch sample: not yet — the simulator and BatchService land first. Nothing to run.');
