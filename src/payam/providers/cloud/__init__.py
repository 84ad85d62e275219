"""The official WhatsApp Business Cloud API (provider ``cloud``), over the Graph API."""
