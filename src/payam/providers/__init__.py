"""WhatsApp transports behind one interface: sandbox, web (neonize) and cloud (Graph API)."""
