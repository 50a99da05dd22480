from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`names|get_item:id`: a value from a dict by a key that is itself a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None
