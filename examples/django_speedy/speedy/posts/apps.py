from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "speedy.posts"
    label = "posts"
