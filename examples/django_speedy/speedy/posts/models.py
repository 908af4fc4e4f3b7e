import re

from django.db import models

HASHTAG = re.compile(r"#(\w{1,50})")


class Post(models.Model):
    body = models.CharField(max_length=280)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    def tags(self):
        return sorted({tag.lower() for tag in HASHTAG.findall(self.body)})


class PostTag(models.Model):
    """One row per hashtag of a post: what the trending job counts."""
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_tags")
    tag = models.CharField(max_length=50)
    created = models.DateTimeField(db_index=True)


class Trending(models.Model):
    """The trending job's last result, replaced whole each run."""
    tag = models.CharField(max_length=50, unique=True)
    count = models.PositiveIntegerField()
    computed = models.DateTimeField()


class Notification(models.Model):
    """A push to send for a new post; the notifier daemon sends and marks it."""
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)
    sent = models.DateTimeField(null=True, db_index=True)
    sent_by = models.CharField(max_length=64, blank=True)
