#!/usr/bin/env python3
"""speedy-notifier: the push notification daemon (seed 003). It sends the
notification of every new post once: each pass claims up to 50 unsent rows
with SELECT ... FOR UPDATE SKIP LOCKED, so any number of notifiers on any
number of hosts share the work and none sends a row twice. "Sending" is a
log line here; a real one calls the push service in the same place. Stops
cleanly on SIGTERM (the batch in hand is finished first)."""
import logging
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.environ.get("SPEEDY_APP_DIR", "/usr/lib/speedy"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "speedy.settings")

import django  # noqa: E402  pylint: disable=wrong-import-position

django.setup()

from django.db import DatabaseError, close_old_connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from speedy.posts.models import Notification  # noqa: E402
from speedy.routers import pin_to_primary  # noqa: E402

log = logging.getLogger("speedy.notifier")
stopping = False


def stop(_signum, _frame):
    global stopping  # pylint: disable=global-statement
    stopping = True


def send_batch(host):
    """Send up to 50 notifications; return how many."""
    with transaction.atomic():
        batch = list(Notification.objects.select_for_update(skip_locked=True).filter(sent__isnull=True)
                     .select_related("post").order_by("id")[:50])
        for notification in batch:
            log.info("pushed post %d: %s", notification.post_id, notification.post.body[:60])
            notification.sent = timezone.now()
            notification.sent_by = host
            notification.save(update_fields=["sent", "sent_by"])
    return len(batch)


def main():
    signal.signal(signal.SIGTERM, stop)
    pin_to_primary()
    host = socket.gethostname()
    interval = float(os.environ.get("SPEEDY_NOTIFIER_INTERVAL", "1"))
    log.info("speedy-notifier on %s, every %.1f s", host, interval)
    while not stopping:
        try:
            if send_batch(host) == 0:
                time.sleep(interval)
        except DatabaseError as error:  # a failover, a restart: the next pass reconnects
            log.warning("database unavailable, retrying: %s", str(error).strip())
            close_old_connections()
            time.sleep(interval)
    log.info("speedy-notifier stopped")


if __name__ == "__main__":
    main()
