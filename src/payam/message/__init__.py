"""What a campaign's message says and how each recipient's copy is made: the message language,
the values a recipient gives it, and the ids our messages carry.

Shared by ``campaigns`` (composing, previewing, test sends) and ``dispatch`` (sending), beneath
both, so that neither imports the other.
"""
