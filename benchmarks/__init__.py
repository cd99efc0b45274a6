"""Speed and size measurements (`make bench`); targets are recorded, never asserted in tests."""
