"""Live progress over WebSocket, fed by the process's hub (``payam.pubsub``).

Publishers use :mod:`payam.live.events` (``publish_campaign_after_commit``) with
``Runtime.hub``; the socket is :mod:`payam.live.router`.
"""
