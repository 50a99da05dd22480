"""Snippets the reply composer offers as one-click insertions (the crisis's information sources).

The inbox does not know who provides them: other apps register a provider when Django starts
(crisis/apps.py), so the dependency points from them to the inbox and never back. A provider is
`provider(*, organization) -> [(label, text), ...]`; one that fails is logged and skipped, so a
broken provider never takes the conversation page down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

SnippetProvider = Callable[..., list[tuple[str, str]]]
_providers: list[SnippetProvider] = []


def register_reply_snippets(provider: SnippetProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def reply_snippets(*, organization) -> list[tuple[str, str]]:
    snippets: list[tuple[str, str]] = []
    for provider in list(_providers):
        try:
            snippets.extend((str(label), str(text)) for label, text in provider(organization=organization))
        except Exception:  # noqa: BLE001 - see the module's docstring
            logger.exception("reply snippet provider %r failed", provider)
    return snippets
