#!/usr/bin/env python3
"""speedy-jobs: the periodic jobs (seed 003), run by systemd timers on every
app host. Each job takes a PostgreSQL advisory lock first, so however many
hosts fire it at once, one runs and the others say so and exit 0; losing a
host loses no job.

  speedy-jobs trending   count the last hour's hashtags into the Trending table
  speedy-jobs purge      delete posts older than SPEEDY_PURGE_DAYS (30)
"""
import logging
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.environ.get("SPEEDY_APP_DIR", "/usr/lib/speedy"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "speedy.settings")

import django  # noqa: E402  pylint: disable=wrong-import-position

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from speedy.posts.models import Post, PostTag, Trending  # noqa: E402
from speedy.routers import pin_to_primary  # noqa: E402

log = logging.getLogger("speedy.jobs")
LOCKS = {"trending": 7301, "purge": 7302}


def trending():
    since = timezone.now() - timedelta(hours=1)
    counts = (PostTag.objects.filter(created__gte=since).values("tag").annotate(count=Count("id"))
              .order_by("-count", "tag")[:50])
    now = timezone.now()
    Trending.objects.all().delete()
    Trending.objects.bulk_create(Trending(tag=row["tag"], count=row["count"], computed=now) for row in counts)
    return "%d trending tags" % len(counts)


def purge():
    cutoff = timezone.now() - timedelta(days=settings.SPEEDY_PURGE_DAYS)
    deleted, _by_model = Post.objects.filter(created__lt=cutoff).delete()
    return "%d rows of posts older than %d days deleted" % (deleted, settings.SPEEDY_PURGE_DAYS)


def main(argv):
    if len(argv) != 2 or argv[1] not in LOCKS:
        sys.stderr.write(__doc__)
        return 2
    job = argv[1]
    pin_to_primary()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Held until the transaction ends: released even if this host dies.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCKS[job]])
            if not cursor.fetchone()[0]:
                log.info("%s: another host runs it now", job)
                return 0
        log.info("%s: %s", job, trending() if job == "trending" else purge())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
