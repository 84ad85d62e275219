"""WhatsApp Web through neonize (issue 9): the provider, its client port and the adapter."""
