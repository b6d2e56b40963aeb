"""SMS to citizens: gateway adapters (Alibaba Cloud, Tencent Cloud, a webhook), the durable queue
in the store, the hook that fills it and the thread that empties it (docs/sms.md)."""
