"""Settings for the test suite: the same as production-shaped settings, with tasks run immediately."""

from phocap.config.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
# Argon2 stays the hasher in production; tests use a fast one (hashing is Django's, not ours, to test).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PHOCAP_CHECK_AUDITS = True  # every service call is checked against its audit declaration
