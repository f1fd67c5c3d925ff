"""The command line: `chainrule train`."""
