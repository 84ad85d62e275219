"""The dispatch engine: claims, pacing per sender, outcomes, receipts, the reconciler."""
