"""Live progress over WebSocket, fed by an in-process hub or Redis pub/sub."""
