"""One module per schema change; never edit a migration that has been released."""
