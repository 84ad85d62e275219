"""Payment gateways behind one interface: the sandbox (embedded default) and Zarinpal."""
