"""Events to a user's live listeners, in this process or across processes through Redis.

Infrastructure beneath the features, like ``payam.db``: any feature may publish (campaign
progress, a session that ended), and the WebSocket in ``payam.live`` listens. The process's hub
is ``Runtime.hub``.
"""
