"""One module per book chapter, named after it, holding that chapter's demos and figures.

A chapter module imports only :mod:`lecture_code.core`, never another chapter module, so a
chapter's import line tells a reader where each of its figures is computed.
"""
