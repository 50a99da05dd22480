"""A local stand-in for the social platforms, speaking the slice of each HTTP API the connectors use.

Tests and the demo point the connectors at it instead of X, Meta, Mastodon, Bluesky and the web.
It has no Django dependency so it can run beside the project as a plain process.
"""

from inbox.sandbox.client import SandboxClient
from inbox.sandbox.server import PlatformSandbox

__all__ = ["PlatformSandbox", "SandboxClient"]
