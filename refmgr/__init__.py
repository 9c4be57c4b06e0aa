"""refmgr: a reference manager for clinicians who read and write oncology reviews."""

__version__ = "0.1.0"
APP_ID = "org.refmgr.Refmgr"
APP_NAME = "refmgr"
