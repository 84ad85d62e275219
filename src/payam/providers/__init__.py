"""WhatsApp transports behind one interface: sandbox (simulated), web (neonize), cloud (Graph API)."""
