"""cuDNN's flags: accepted for compatibility; chainrule's CPU results are deterministic."""

enabled = True
deterministic = False
benchmark = False


def is_available() -> bool:
    return False
