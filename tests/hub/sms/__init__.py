"""SMS to citizens: gateways, the queue, the sender, the kiosk's phone numbers."""
