"""Apple's Metal backend: not available in chainrule."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
