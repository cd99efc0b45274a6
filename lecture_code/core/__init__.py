"""The core library: tools a student could use on their own problem (imports only core)."""
