"""Platform webhooks, outside any organization's URL: the channel is found from the delivery."""

urlpatterns: list = []
