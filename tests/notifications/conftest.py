from tests.api.test_notification_email import smtp  # noqa: F401 (a real SMTP server)
