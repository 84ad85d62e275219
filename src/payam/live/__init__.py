"""Live progress over WebSocket, fed by an in-process hub or Redis pub/sub.

Publishers use :mod:`payam.live.events` (``publish_campaign_after_commit``) with the hub from
:func:`payam.live.hub.build_hub`; the socket is :mod:`payam.live.router`.
"""
