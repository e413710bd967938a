"""Training commands for kentrag's own models (top layer: may import kentrag.core and kentrag.answer.selector)."""
