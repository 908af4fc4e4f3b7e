import json

from django.conf import settings
from django.db import connections, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from speedy.posts.models import Notification, Post, PostTag, Trending


def _create(body):
    body = (body or "").strip()
    if not 1 <= len(body) <= 280:
        return None
    with transaction.atomic():
        post = Post.objects.create(body=body)
        PostTag.objects.bulk_create(PostTag(post=post, tag=tag, created=post.created) for tag in post.tags())
        Notification.objects.create(post=post)
    return post


@require_GET
def index(request):
    posts = list(Post.objects.order_by("-id")[:20])
    trending = list(Trending.objects.order_by("-count", "tag")[:10])
    return render(request, "posts/index.html", {"posts": posts, "trending": trending, "version": settings.VERSION})


@require_POST
def create_post(request):
    if _create(request.POST.get("body")) is None:
        return HttpResponse("a post is 1 to 280 characters\n", status=400, content_type="text/plain")
    return redirect("index", permanent=False)


@csrf_exempt  # an API for scripts and the tests: JSON in, no session, no cookie login
@require_POST
def api_create_post(request):
    try:
        body = json.loads(request.body or b"{}").get("body")
    except (ValueError, AttributeError):
        body = None
    post = _create(body)
    if post is None:
        return JsonResponse({"error": "a post is 1 to 280 characters"}, status=400)
    return JsonResponse({"id": post.id, "tags": post.tags()}, status=201)


@require_GET
def api_post(request, post_id):
    post = Post.objects.filter(id=post_id).first()
    if post is None:
        return JsonResponse({"error": "no such post"}, status=404)
    notified = Notification.objects.filter(post=post, sent__isnull=False).exists()
    return JsonResponse({"id": post.id, "body": post.body, "tags": post.tags(), "notified": notified})


@require_GET
def api_trending(request):
    return JsonResponse({"trending": [{"tag": row.tag, "count": row.count, "computed": row.computed.isoformat()}
                                      for row in Trending.objects.order_by("-count", "tag")[:10]]})


@require_GET
def health(request):
    """200 only when this host can write: the primary answers through db."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001  any database failure is "unavailable"
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok %s\n" % settings.VERSION, content_type="text/plain")


@require_GET
def version(request):
    return JsonResponse({"version": settings.VERSION})
