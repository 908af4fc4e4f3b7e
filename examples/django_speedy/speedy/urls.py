from django.urls import path

from speedy.posts import views

urlpatterns = [
    path("", views.index, name="index"),
    path("posts", views.create_post, name="create_post"),
    path("api/posts", views.api_create_post, name="api_create_post"),
    path("api/posts/<int:post_id>", views.api_post, name="api_post"),
    path("api/trending", views.api_trending, name="api_trending"),
    path("health", views.health, name="health"),
    path("version", views.version, name="version"),
]
