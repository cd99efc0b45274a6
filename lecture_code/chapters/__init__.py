"""One module per book chapter, holding that chapter's demo/draw pairs (imports only core)."""
